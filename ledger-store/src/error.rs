//! The one error type of the store: every failure says what failed, where, and why.

use std::path::PathBuf;

/// Everything that can go wrong in the event log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system or stream operation failed; `what` names the operation and the path.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// The sled storage engine failed; `what` names the operation and the store directory.
    #[error("{what}: the storage engine (sled) reported: {source}")]
    Sled {
        what: String,
        #[source]
        source: sled::Error,
    },

    /// The storage engine's own file is damaged: sled found bytes that do not check out (or
    /// stopped on them). `offset` is the byte of the data file where it was found, when sled
    /// says.
    #[error(
        "the store's data file is damaged{}: the storage engine found bytes that do not check \
         out while {what}; nothing was read from the damaged part. Restore the store from an \
         export (`bonded restore`) or a backup",
        .offset.map(|o| format!(" near byte {o} of its data file (db)")).unwrap_or_default()
    )]
    EngineCorrupt { what: String, offset: Option<u64> },
    /// PostgreSQL failed or refused a statement; `what` names the operation and the database
    /// (never its password), `detail` what the server or the connection said.
    #[error("{what}: PostgreSQL reported: {detail}")]
    Postgres {
        what: String,
        detail: String,
        #[source]
        source: postgres::Error,
    },

    /// The PostgreSQL database holds no bonded event store (`PgLog::create` makes one).
    #[error("there is no event store in {place}: {why}")]
    NotAPgStore { place: String, why: String },

    /// `PgLog::create` was pointed at a database that already holds a bonded store.
    #[error("cannot create an event store in {place}: it already holds one (or tables of the same names)")]
    PgAlreadyExists { place: String },

    /// A stored record (or the store's bookkeeping around it) is damaged at global position `seq`.
    #[error("the event log is corrupt at record {seq}: {what}")]
    Corrupt { seq: u64, what: String },

    /// An event id was reused for a different event.
    #[error(
        "event id {id} is already used by record {seq} with a different stream, kind or payload; \
         an id may only be reused to retry the very same event, so nothing of this batch was written"
    )]
    IdConflict { id: uuid::Uuid, seq: u64 },

    /// An optimistic-concurrency check failed.
    #[error(
        "stream {stream:?} is at version {actual} but the append expected version {expected}; \
         someone else wrote to it first, so nothing of this batch was written"
    )]
    WrongExpectedVersion {
        stream: String,
        expected: u64,
        actual: u64,
    },

    /// The log moved on since the batch was decided (`PgLog::append_at`): another process
    /// appended first. Nothing was written; decide again on the new records.
    #[error(
        "the log is at record {actual} but this batch was decided on the log at record \
         {expected}: another server wrote first, so nothing of this batch was written (it is to \
         be decided again on the records written since)"
    )]
    HeadMoved { expected: u64, actual: u64 },

    /// The caller's input breaks a rule or a limit (field lengths, JSON payload, batch size).
    #[error("invalid input: {what}")]
    Invalid { what: String },

    /// A streamed append ended without its producer's go-ahead (`Streamed::Commit`): the
    /// producer refused its input, failed or stopped. Nothing of it is part of the log.
    #[error(
        "the append was abandoned before its end (its producer stopped without committing it); \
         nothing of it was recorded"
    )]
    Abandoned,

    /// Another process (or another handle in this process) holds the store's lock.
    #[error("the store at {} is in use by {}", .dir.display(), owner_text(.pid))]
    InUse { dir: PathBuf, pid: Option<u32> },

    /// There is no event store at the given directory.
    #[error("there is no event store at {}: the directory is missing or holds no bonded store", .dir.display())]
    NotAStore { dir: PathBuf },

    /// `create` was pointed at a directory that already holds something.
    #[error("cannot create an event store at {}: the directory already exists and is not empty", .dir.display())]
    AlreadyExists { dir: PathBuf },

    /// Imported events do not continue this log's hash chain.
    #[error("import refused at record {seq}: {what}; nothing of this import chunk was written")]
    ChainBroken { seq: u64, what: String },

    /// Restoring from an export failed at a given line of the export.
    #[error("restore failed at line {line} of the export: {source}")]
    Restore {
        line: u64,
        #[source]
        source: Box<StoreError>,
    },
}

fn owner_text(pid: &Option<u32>) -> String {
    match pid {
        Some(pid) => format!("process {pid}"),
        None => "another process (its id is unknown)".to_string(),
    }
}

impl StoreError {
    /// True when the error means the log's integrity is in doubt (corrupt store, broken chain):
    /// the CLI maps these to exit code 4.
    pub fn is_integrity(&self) -> bool {
        match self {
            StoreError::Corrupt { .. }
            | StoreError::ChainBroken { .. }
            | StoreError::EngineCorrupt { .. } => true,
            StoreError::Restore { source, .. } => source.is_integrity(),
            _ => false,
        }
    }

    /// The global position the error is about, when it is about one record.
    pub fn seq(&self) -> Option<u64> {
        match self {
            StoreError::Corrupt { seq, .. }
            | StoreError::ChainBroken { seq, .. }
            | StoreError::IdConflict { seq, .. } => Some(*seq),
            StoreError::Restore { source, .. } => source.seq(),
            _ => None,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        StoreError::Invalid { what: what.into() }
    }

    pub(crate) fn corrupt(seq: u64, what: impl Into<String>) -> Self {
        StoreError::Corrupt {
            seq,
            what: what.into(),
        }
    }

    pub(crate) fn chain(seq: u64, what: impl Into<String>) -> Self {
        StoreError::ChainBroken {
            seq,
            what: what.into(),
        }
    }

    /// A sled error; its corruption report is an integrity failure in words a person reads.
    pub(crate) fn sled(what: impl Into<String>, source: sled::Error) -> Self {
        match source {
            sled::Error::Corruption { at, .. } => StoreError::EngineCorrupt {
                what: what.into(),
                offset: at.map(|p| p.lid()),
            },
            source => StoreError::Sled {
                what: what.into(),
                source,
            },
        }
    }

    /// Runs `f`, a call into sled; a panic inside it (sled 0.34 panics on some damaged pages)
    /// becomes an integrity error instead of ending the program.
    pub(crate) fn guard<T>(
        what: impl FnOnce() -> String,
        f: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(_) => Err(StoreError::EngineCorrupt {
                what: what(),
                offset: None,
            }),
        }
    }

    /// Whether this is PostgreSQL's connection lost (ended by the server, a restart, the
    /// network): nothing is wrong with the request or the log; it may be retried once the
    /// connection is made again (`PgLog` does at its next write).
    pub fn is_connection_lost(&self) -> bool {
        use postgres::error::SqlState;
        match self {
            StoreError::Postgres { source, .. } => {
                source.is_closed()
                    || source.code().is_some_and(|c| {
                        [
                            SqlState::ADMIN_SHUTDOWN,
                            SqlState::CRASH_SHUTDOWN,
                            SqlState::CANNOT_CONNECT_NOW,
                            SqlState::CONNECTION_FAILURE,
                            SqlState::CONNECTION_EXCEPTION,
                        ]
                        .contains(c)
                    })
                    || std::error::Error::source(source)
                        .is_some_and(|e| e.downcast_ref::<std::io::Error>().is_some())
            }
            _ => false,
        }
    }

    pub(crate) fn pg(what: impl Into<String>, source: postgres::Error) -> Self {
        let detail = match source.as_db_error() {
            Some(db) => {
                let mut d = format!("{} ({})", db.message(), db.code().code());
                if let Some(detail) = db.detail() {
                    d.push_str(&format!("; {detail}"));
                }
                d
            }
            None => source.to_string(),
        };
        StoreError::Postgres {
            what: what.into(),
            detail,
            source,
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io {
            what: what.into(),
            source,
        }
    }
}
