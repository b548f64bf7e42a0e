//! Making what sled flushed durable. sled 0.34's `flush` ends in `sync_file_range` on Linux,
//! which neither writes the file's metadata (its new length) nor asks the disk to empty its
//! cache: a power cut could lose an acknowledged append. So, after each flush (once per batch:
//! a group commit pays it once), the store's files are `fsync`ed (`File::sync_all`):
//!
//! - the data file `db`, every time: every commit writes it;
//! - `conf`, the first time and whenever its length or modification time changed (sled writes
//!   it when it creates the store, not per commit);
//! - each file in `blobs/` once, the first time it is seen: sled writes a blob whole into a
//!   new file and never changes it after;
//! - the directories (`blobs/`, the store's own), the first time and whenever the names they
//!   hold changed since their last sync — a directory's own data is the list of its entries,
//!   so a file sled created or removed is found after a restart.
//!
//! The files and directories nothing changed are not synced again: each sync of one costs
//! milliseconds on this kind of disk (traced: 3–3.5 ms a directory, 1 ms `conf`, 0.5 ms the
//! data file), most of a commit's wait when they were synced every time.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::StoreError;

/// What has been synced of one store, by one process.
#[derive(Debug, Default)]
pub(crate) struct StoreSync {
    conf: Option<(u64, Option<SystemTime>)>,
    blobs: HashSet<OsString>,
    dirs: HashMap<PathBuf, BTreeSet<OsString>>,
}

fn sync(path: &Path) -> Result<(), StoreError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| {
            StoreError::io(
                format!(
                    "syncing {} to disk (the records just written may not survive a power cut)",
                    path.display()
                ),
                e,
            )
        })
}

fn names(dir: &Path) -> Result<BTreeSet<OsString>, StoreError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| StoreError::io(format!("listing {}", dir.display()), e))?;
    Ok(entries.flatten().map(|e| e.file_name()).collect())
}

impl StoreSync {
    /// Syncs what the last commit to the store in `dir` may have changed (above); returns the
    /// paths synced, in order.
    pub(crate) fn sync(&mut self, dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
        let mut synced = Vec::new();
        let mut sync_now = |path: PathBuf| -> Result<(), StoreError> {
            sync(&path)?;
            synced.push(path);
            Ok(())
        };
        let db = dir.join("db");
        if db.exists() {
            sync_now(db)?;
        }
        let conf = dir.join("conf");
        if let Ok(meta) = std::fs::metadata(&conf) {
            let now = (meta.len(), meta.modified().ok());
            if self.conf != Some(now) {
                sync_now(conf)?;
                self.conf = Some(now);
            }
        }
        let blobs = dir.join("blobs");
        if blobs.is_dir() {
            let held = names(&blobs)?;
            for name in &held {
                let path = blobs.join(name);
                if !self.blobs.contains(name) && path.is_file() {
                    sync_now(path)?;
                    self.blobs.insert(name.clone());
                }
            }
            self.blobs.retain(|n| held.contains(n));
            if self.dirs.get(&blobs) != Some(&held) {
                sync_now(blobs.clone())?;
                self.dirs.insert(blobs, held);
            }
        }
        let held = names(dir)?;
        if self.dirs.get(dir) != Some(&held) {
            sync_now(dir.to_path_buf())?;
            self.dirs.insert(dir.to_path_buf(), held);
        }
        Ok(synced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_did_not_change_is_not_synced_again() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        let blobs = dir.join("blobs");
        std::fs::create_dir(&blobs).expect("blobs");
        std::fs::write(dir.join("db"), b"records").expect("db");
        std::fs::write(dir.join("conf"), b"segment_size: 1").expect("conf");
        let mut s = StoreSync::default();
        let rel = |paths: Vec<PathBuf>| -> Vec<String> {
            paths
                .iter()
                .map(|p| {
                    p.strip_prefix(dir)
                        .map(|r| r.display().to_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        // The first commit syncs everything there is.
        assert_eq!(
            rel(s.sync(dir).expect("sync")),
            vec!["db", "conf", "blobs", ""]
        );
        // The next, with nothing created: only the data file.
        assert_eq!(rel(s.sync(dir).expect("sync")), vec!["db"]);
        // A blob written: it, and the directory that now names it, once.
        std::fs::write(blobs.join("17"), b"a large value").expect("blob");
        assert_eq!(
            rel(s.sync(dir).expect("sync")),
            vec!["db", "blobs/17", "blobs"]
        );
        assert_eq!(rel(s.sync(dir).expect("sync")), vec!["db"]);
        // A blob removed and a file created in the store's directory: both directories.
        std::fs::remove_file(blobs.join("17")).expect("rm");
        std::fs::write(dir.join("snap.0001"), b"snapshot").expect("snap");
        assert_eq!(rel(s.sync(dir).expect("sync")), vec!["db", "blobs", ""]);
        // conf rewritten with another length: synced again.
        std::fs::write(dir.join("conf"), b"segment_size: 12345").expect("conf");
        assert_eq!(rel(s.sync(dir).expect("sync")), vec!["db", "conf"]);
        // A new process (a new StoreSync) syncs everything once more.
        assert_eq!(
            rel(StoreSync::default().sync(dir).expect("sync")),
            vec!["db", "conf", "blobs", ""]
        );
    }
}
