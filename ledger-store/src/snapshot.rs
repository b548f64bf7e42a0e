//! The saved state of a sled store: one file, `state.snapshot`, beside the log in the store's
//! directory. The store does not read the state it holds (the bytes are the core's, opaque
//! here); it keeps them in numbered parts and says what log they were made from.
//!
//! Layout: a header with a table of the parts, then the parts' bytes in the table's order.
//!
//! ```text
//!   magic "BONDSNAP" · file version u32 · payload version u32 · store id [32]
//!   · position (global sequence) u64 · hash of the record at that position [32]
//!   · part count u32 · per part: id u32 · length u64 · SHA-256 of its bytes [32]
//!   · SHA-256 of everything before it [32]
//!   parts
//! ```
//!
//! The parts are what lets a command read only what it needs: the header is checked whole
//! when the file is opened, each part's bytes against its own SHA-256 as they are read, and a
//! part not read is not touched (a 336 MB state whose command needs 60 MB of it reads 60 MB).
//!
//! Written atomically: a temporary file in the same directory, written (each part hashed as
//! it goes), synced, renamed over the old one, the directory synced. One writer at a time: the
//! writer holds an exclusive lock on `state.snapshot.lock` while it writes, and a second one
//! finds it held and gives up (`Busy`) rather than write the same temporary file — a
//! PostgreSQL store's snapshot sits in a cache directory that several processes may share. A crash leaves the old
//! file or the new one (and perhaps a temporary file, which is never read and is removed by
//! the next write), never a torn one; a file damaged later fails a checksum. Whether a
//! snapshot that checks out belongs to the log beside it (store id, position and hash) is the
//! caller's question: it has the log.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::event::Hash;

/// The snapshot's file name in the store's directory.
pub const SNAPSHOT_FILE: &str = "state.snapshot";
/// Where a snapshot is written before it is renamed into place.
pub const SNAPSHOT_TEMP_FILE: &str = "state.snapshot.tmp";
/// Locked (exclusively, by the operating system) while a snapshot is written.
pub const SNAPSHOT_LOCK_FILE: &str = "state.snapshot.lock";
const MAGIC: &[u8; 8] = b"BONDSNAP";
/// The version of this file's layout (the header and its table of parts); the payload has
/// its own. Version 1 held one payload under one checksum.
pub const SNAPSHOT_FILE_VERSION: u32 = 2;
/// The header before the table: magic, versions, store id, position, hash, part count.
const FIXED_LEN: usize = 8 + 4 + 4 + 32 + 8 + 32 + 4;
/// One entry of the table: id, length, SHA-256.
const ENTRY_LEN: usize = 4 + 8 + 32;
/// More parts than any version of the state has: a table claiming more is not read.
pub const MAX_PARTS: usize = 64;

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

/// A snapshot read back whole and checked: its header and every part.
#[derive(Debug)]
pub struct Snapshot {
    pub header: SnapshotHeader,
    parts: Vec<(u32, Vec<u8>)>,
}

impl Snapshot {
    /// The parts, in the file's order: (id, bytes).
    pub fn parts(&self) -> &[(u32, Vec<u8>)] {
        &self.parts
    }

    /// The bytes of part `id`, if the snapshot has it.
    pub fn part(&self, id: u32) -> Option<&[u8]> {
        self.parts
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, b)| b.as_slice())
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
    #[error("the snapshot's header does not match its checksum")]
    Checksum,
    #[error("the snapshot's part {0} does not match its checksum")]
    PartChecksum(u32),
    #[error("the snapshot has no part {0}")]
    NoPart(u32),
    #[error("the snapshot's table of parts is not valid: {0}")]
    Table(&'static str),
    #[error("another process is writing the snapshot in {0}")]
    Busy(PathBuf),
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotFileError {
    let path = path.to_path_buf();
    move |source| SnapshotFileError::Io { what, path, source }
}

/// One part in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    id: u32,
    len: u64,
    sha: [u8; 32],
}

fn header_len(parts: usize) -> usize {
    FIXED_LEN + parts * ENTRY_LEN + 32
}

/// The header and table with their checksum.
fn header_bytes(h: &SnapshotHeader, entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_len(entries.len()));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&SNAPSHOT_FILE_VERSION.to_le_bytes());
    out.extend_from_slice(&h.payload_version.to_le_bytes());
    out.extend_from_slice(&h.store_id);
    out.extend_from_slice(&h.seq.to_le_bytes());
    out.extend_from_slice(&h.hash);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        out.extend_from_slice(&e.id.to_le_bytes());
        out.extend_from_slice(&e.len.to_le_bytes());
        out.extend_from_slice(&e.sha);
    }
    let sha = Sha256::digest(&out);
    out.extend_from_slice(&sha);
    out
}

/// Writes `parts` (id, bytes) as the snapshot of the store in `dir`, atomically (the module's
/// doc).
pub fn write_snapshot(
    dir: &Path,
    header: &SnapshotHeader,
    parts: &[(u32, &[u8])],
) -> Result<(), SnapshotFileError> {
    let ids: Vec<u32> = parts.iter().map(|(id, _)| *id).collect();
    write_snapshot_parts(dir, header, &ids, |id, sink| {
        let bytes = parts
            .iter()
            .find(|(p, _)| *p == id)
            .map_or(&[][..], |(_, b)| *b);
        sink.write_all(bytes)
    })
    .map(|_| ())
}

/// Writes the snapshot of the store in `dir` atomically (the module's doc): the parts `ids`
/// in that order, each made by `write(id, sink)` into the file as it goes (never held whole)
/// and hashed on the way. The table is filled in afterwards. Returns the parts' length in all.
pub fn write_snapshot_parts(
    dir: &Path,
    header: &SnapshotHeader,
    ids: &[u32],
    mut write: impl FnMut(u32, &mut dyn Write) -> std::io::Result<()>,
) -> Result<u64, SnapshotFileError> {
    let temp = dir.join(SNAPSHOT_TEMP_FILE);
    let path = dir.join(SNAPSHOT_FILE);
    if ids.len() > MAX_PARTS {
        return Err(SnapshotFileError::Table(
            "more parts than a snapshot may hold",
        ));
    }
    let lock_path = dir.join(SNAPSHOT_LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io("creating", &lock_path))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(SnapshotFileError::Busy(dir.to_path_buf()))
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io("locking", &lock_path)(e)),
    }
    let pause = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_millis);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .map_err(io("creating", &temp))?;
    // The header's room first; its figures once the parts are written.
    file.write_all(&vec![0u8; header_len(ids.len())])
        .map_err(io("writing", &temp))?;
    let mut entries = Vec::with_capacity(ids.len());
    {
        let mut sink = Paused {
            inner: std::io::BufWriter::with_capacity(1 << 20, &mut file),
            pause,
        };
        for &id in ids {
            let mut hashed = Hashed {
                inner: &mut sink,
                sha: Sha256::new(),
                len: 0,
            };
            write(id, &mut hashed).map_err(io("writing", &temp))?;
            entries.push(Entry {
                id,
                len: hashed.len,
                sha: hashed.sha.finalize().into(),
            });
        }
        sink.inner.flush().map_err(io("writing", &temp))?;
    }
    file.seek(SeekFrom::Start(0))
        .map_err(io("writing", &temp))?;
    file.write_all(&header_bytes(header, &entries))
        .map_err(io("writing", &temp))?;
    if let Some(pause) = pause {
        std::thread::sleep(pause);
    }
    file.sync_all().map_err(io("syncing", &temp))?;
    drop(file);
    std::fs::rename(&temp, &path).map_err(io("renaming into place", &path))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("syncing the directory", dir))?;
    // Held to here: the next writer starts once this file is in place.
    drop(lock);
    Ok(entries.iter().map(|e| e.len).sum())
}

/// A sink that hashes and counts what passes through it.
struct Hashed<'a, W: Write> {
    inner: &'a mut W,
    sha: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashed<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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

/// A snapshot opened for reading, its header and table checked (magic, file version,
/// checksum, the parts' lengths against the file's). Its parts are read one at a time with
/// [`SnapshotFile::part`]; a part not asked for is never read.
pub struct SnapshotFile {
    pub header: SnapshotHeader,
    file: std::fs::File,
    path: PathBuf,
    /// The table, with each part's offset in the file.
    entries: Vec<(Entry, u64)>,
}

impl SnapshotFile {
    /// The ids of the parts it holds, in the file's order.
    pub fn part_ids(&self) -> Vec<u32> {
        self.entries.iter().map(|(e, _)| e.id).collect()
    }

    /// Where part `id` lies in the file: (offset, length).
    pub fn part_span(&self, id: u32) -> Option<(u64, u64)> {
        self.entries
            .iter()
            .find(|(e, _)| e.id == id)
            .map(|(e, at)| (*at, e.len))
    }

    /// Part `id`, to be read through `Read` and hashed on the way: nothing read may be used
    /// before [`PartStream::finish`] says its checksum matched.
    pub fn part(&mut self, id: u32) -> Result<PartStream<'_>, SnapshotFileError> {
        let Some((entry, at)) = self.entries.iter().find(|(e, _)| e.id == id).cloned() else {
            return Err(SnapshotFileError::NoPart(id));
        };
        self.file
            .seek(SeekFrom::Start(at))
            .map_err(io("reading", &self.path))?;
        Ok(PartStream {
            source: std::io::BufReader::with_capacity(1 << 20, &mut self.file),
            path: &self.path,
            entry,
            read: 0,
            sha: Sha256::new(),
        })
    }
}

/// One part of a snapshot being read (see [`SnapshotFile::part`]).
pub struct PartStream<'a> {
    source: std::io::BufReader<&'a mut std::fs::File>,
    path: &'a Path,
    entry: Entry,
    read: u64,
    sha: Sha256,
}

impl PartStream<'_> {
    /// The part's length in bytes.
    pub fn len(&self) -> u64 {
        self.entry.len
    }

    /// Whether the part holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.entry.len == 0
    }

    /// Reads whatever of the part is left, then checks its length and checksum.
    pub fn finish(mut self) -> Result<(), SnapshotFileError> {
        let path = self.path.to_path_buf();
        std::io::copy(&mut self, &mut std::io::sink()).map_err(io("reading", &path))?;
        if self.read != self.entry.len {
            return Err(SnapshotFileError::Length {
                found: self.read,
                expected: self.entry.len,
            });
        }
        if self.sha.finalize().as_slice() != self.entry.sha {
            return Err(SnapshotFileError::PartChecksum(self.entry.id));
        }
        Ok(())
    }
}

impl Read for PartStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.entry.len - self.read).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        let n = self.source.read(&mut buf[..want])?;
        self.sha.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Opens the snapshot of the store in `dir` for reading (`Ok(None)`: there is none): the
/// header and table read and checked, no part yet.
pub fn open_snapshot(dir: &Path) -> Result<Option<SnapshotFile>, SnapshotFileError> {
    let path = dir.join(SNAPSHOT_FILE);
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("opening", &path)(e)),
    };
    let size = file.metadata().map_err(io("reading", &path))?.len();
    let mut fixed = [0u8; FIXED_LEN];
    if size < FIXED_LEN as u64 {
        return Err(SnapshotFileError::NotASnapshot(path));
    }
    file.read_exact(&mut fixed).map_err(io("reading", &path))?;
    if &fixed[..8] != MAGIC {
        return Err(SnapshotFileError::NotASnapshot(path));
    }
    let u32_at = |b: &[u8], at: usize| {
        let mut x = [0u8; 4];
        x.copy_from_slice(&b[at..at + 4]);
        u32::from_le_bytes(x)
    };
    let u64_at = |b: &[u8], at: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(x)
    };
    let hash_at = |b: &[u8], at: usize| {
        let mut x = [0u8; 32];
        x.copy_from_slice(&b[at..at + 32]);
        x
    };
    let found = u32_at(&fixed, 8);
    if found != SNAPSHOT_FILE_VERSION {
        return Err(SnapshotFileError::FileVersion { found });
    }
    let count = u32_at(&fixed, FIXED_LEN - 4) as usize;
    if count > MAX_PARTS {
        return Err(SnapshotFileError::Table(
            "more parts than a snapshot may hold",
        ));
    }
    let head_len = header_len(count);
    if size < head_len as u64 {
        return Err(SnapshotFileError::Length {
            found: size,
            expected: head_len as u64,
        });
    }
    let mut rest = vec![0u8; head_len - FIXED_LEN];
    file.read_exact(&mut rest).map_err(io("reading", &path))?;
    let table = &rest[..count * ENTRY_LEN];
    let mut sha = Sha256::new();
    sha.update(fixed);
    sha.update(table);
    if sha.finalize().as_slice() != &rest[count * ENTRY_LEN..] {
        return Err(SnapshotFileError::Checksum);
    }
    let header = SnapshotHeader {
        payload_version: u32_at(&fixed, 12),
        store_id: hash_at(&fixed, 16),
        seq: u64_at(&fixed, 48),
        hash: hash_at(&fixed, 56),
    };
    let mut entries = Vec::with_capacity(count);
    let mut at = head_len as u64;
    for e in table.chunks_exact(ENTRY_LEN) {
        let entry = Entry {
            id: u32_at(e, 0),
            len: u64_at(e, 4),
            sha: hash_at(e, 12),
        };
        if entries.iter().any(|(x, _): &(Entry, u64)| x.id == entry.id) {
            return Err(SnapshotFileError::Table("a part listed twice"));
        }
        let len = entry.len;
        entries.push((entry, at));
        at = at
            .checked_add(len)
            .ok_or(SnapshotFileError::Table("a part longer than any file"))?;
    }
    if at != size {
        return Err(SnapshotFileError::Length {
            found: size,
            expected: at,
        });
    }
    Ok(Some(SnapshotFile {
        header,
        file,
        path,
        entries,
    }))
}

/// The snapshot of the store in `dir` read whole and checked (header, table and every
/// part's checksum); `Ok(None)` when there is none.
pub fn read_snapshot(dir: &Path) -> Result<Option<Snapshot>, SnapshotFileError> {
    let Some(mut file) = open_snapshot(dir)? else {
        return Ok(None);
    };
    let path = dir.join(SNAPSHOT_FILE);
    let mut parts = Vec::new();
    for id in file.part_ids() {
        let mut part = file.part(id)?;
        let mut bytes = Vec::with_capacity(usize::try_from(part.len()).unwrap_or(0));
        part.read_to_end(&mut bytes).map_err(io("reading", &path))?;
        part.finish()?;
        parts.push((id, bytes));
    }
    Ok(Some(Snapshot {
        header: file.header.clone(),
        parts,
    }))
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

    const PARTS: [(u32, &[u8]); 3] = [(1, b"base bytes"), (2, b""), (5, b"lines")];

    #[test]
    fn a_second_writer_gives_up_while_the_first_writes() {
        let dir = tempfile::tempdir().expect("dir");
        write_snapshot(dir.path(), &header(), &PARTS).expect("write");
        // Another writer (another open file, as another process's) holds the lock.
        let other = std::fs::File::open(dir.path().join(SNAPSHOT_LOCK_FILE)).expect("open");
        other.try_lock().expect("lock");
        let newer = SnapshotHeader {
            seq: 43,
            ..header()
        };
        let busy = write_snapshot(dir.path(), &newer, &[(1, b"x")]);
        assert!(
            matches!(&busy, Err(SnapshotFileError::Busy(d)) if d == dir.path()),
            "{busy:?}"
        );
        // The snapshot in place is untouched, and no temporary file was begun.
        let s = read_snapshot(dir.path()).expect("read").expect("some");
        assert_eq!(s.header, header());
        assert!(!dir.path().join(SNAPSHOT_TEMP_FILE).exists());
        drop(other);
        write_snapshot(dir.path(), &newer, &[(1, b"x")]).expect("write once free");
        let s = read_snapshot(dir.path()).expect("read").expect("some");
        assert_eq!(s.header.seq, 43);
    }

    #[test]
    fn written_then_read_back_whole() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(read_snapshot(dir.path()).expect("none").is_none());
        write_snapshot(dir.path(), &header(), &PARTS).expect("write");
        let s = read_snapshot(dir.path()).expect("read").expect("some");
        assert_eq!(s.header, header());
        let got: Vec<(u32, &[u8])> = s.parts().iter().map(|(i, b)| (*i, b.as_slice())).collect();
        assert_eq!(got, PARTS.to_vec());
        assert_eq!(s.part(5), Some(&b"lines"[..]));
        assert_eq!(s.part(3), None);
        assert!(!dir.path().join(SNAPSHOT_TEMP_FILE).exists());
        // Written again: replaced.
        let again = SnapshotHeader {
            seq: 43,
            ..header()
        };
        write_snapshot(dir.path(), &again, &[(1, b"x")]).expect("write");
        let s = read_snapshot(dir.path()).expect("read").expect("some");
        assert_eq!((s.header.seq, s.part(1)), (43, Some(&b"x"[..])));
        remove_snapshot(dir.path()).expect("remove");
        assert!(read_snapshot(dir.path()).expect("none").is_none());
    }

    #[test]
    fn one_part_is_read_without_the_others() {
        let dir = tempfile::tempdir().expect("dir");
        write_snapshot(dir.path(), &header(), &PARTS).expect("write");
        // The first part's bytes damaged: the last part still reads and checks out, the first
        // does not.
        let path = dir.path().join(SNAPSHOT_FILE);
        let mut bytes = std::fs::read(&path).expect("read");
        let at = header_len(PARTS.len());
        bytes[at] ^= 0x20;
        std::fs::write(&path, &bytes).expect("write");
        let mut file = open_snapshot(dir.path()).expect("open").expect("some");
        assert_eq!(file.part_ids(), vec![1, 2, 5]);
        let mut part = file.part(5).expect("part 5");
        let mut got = Vec::new();
        part.read_to_end(&mut got).expect("read");
        part.finish().expect("part 5 checks out");
        assert_eq!(got, b"lines");
        let part = file.part(1).expect("part 1");
        assert!(matches!(
            part.finish(),
            Err(SnapshotFileError::PartChecksum(1))
        ));
        assert!(matches!(file.part(9), Err(SnapshotFileError::NoPart(9))));
    }

    #[test]
    fn any_byte_changed_or_cut_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        write_snapshot(dir.path(), &header(), &PARTS).expect("write");
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
        // Bytes added at the end: the lengths no longer add up.
        let mut longer = good.clone();
        longer.push(0);
        std::fs::write(&path, &longer).expect("write");
        assert!(read_snapshot(dir.path()).is_err(), "a byte added");
    }
}
