//! Which log a command works on: the sled store in `--data` (the default), or the PostgreSQL
//! one `--store postgres://…` (`BONDED_STORE`) names. `Log` is either, as one `EventLog`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use ledger_store::{
    AppendOutcome, AppendRequest, EventLog, Head, PgLog, ReplayRecord, SledLog, StoreError,
    StoredEvent, Streamed, VerifyReport,
};

use crate::exit::bad_input;

/// A log of either backend.
pub enum Log {
    Sled(SledLog),
    Pg(PgLog),
}

/// Where a store is: a sled directory or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Dir(PathBuf),
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL, else a directory.
    pub fn parse(text: &str) -> Location {
        if is_postgres_url(text) {
            Location::Postgres(text.to_string())
        } else {
            Location::Dir(PathBuf::from(text))
        }
    }

    /// For messages: the directory, or the database without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Dir(dir) => dir.display().to_string(),
            Location::Postgres(url) => redact(url),
        }
    }
}

pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// A URL with the password (if any) replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// `--store` as given (`None`: the sled store in `--data`).
static STORE: OnceLock<String> = OnceLock::new();

/// Sets the store of this process (`--store` / `BONDED_STORE`). Only PostgreSQL URLs are
/// taken: a directory is given with `--data`.
pub fn set_store(store: Option<&str>) -> Result<()> {
    let Some(store) = store.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    if !is_postgres_url(store) {
        return Err(bad_input(format!(
            "--store takes a PostgreSQL URL (postgres://user:password@host/database); \
             {store:?} is not one (a sled store's directory is given with --data)"
        )));
    }
    let _ = STORE.set(store.to_string());
    Ok(())
}

/// Whether the store of this process is on PostgreSQL.
pub fn on_postgres() -> bool {
    STORE.get().is_some()
}

/// Where the store of this process is: `--store`, else `dir` (`--data`).
pub fn location(dir: &Path) -> Location {
    match STORE.get() {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::Dir(dir.to_path_buf()),
    }
}

/// Opens the log at `at`, checking its tail; "no store here" is a usage error.
pub fn open_at(at: &Location) -> Result<Log> {
    let opened = match at {
        // The sled store: waited for while another process holds it (`--wait`), its holder
        // named (`bonded serve` with its address).
        Location::Dir(dir) => return super::open_log(dir).map(Log::Sled),
        Location::Postgres(url) => PgLog::open(url).map(Log::Pg),
    };
    match opened {
        Ok(log) => Ok(log),
        Err(e @ (StoreError::NotAStore { .. } | StoreError::NotAPgStore { .. })) => Err(
            bad_input(format!(
                "{e}; create one with `bonded init` (or point --data / BONDED_DATA, or --store / BONDED_STORE, at it)"
            )),
        ),
        Err(e) => Err(e).with_context(|| format!("cannot open the store at {}", at.describe())),
    }
}

/// Creates an empty log at `at`; refuses a place that already holds something.
pub fn create_at(at: &Location) -> Result<Log> {
    let created = match at {
        Location::Dir(dir) => SledLog::create(dir).map(Log::Sled),
        Location::Postgres(url) => PgLog::create(url).map(Log::Pg),
    };
    match created {
        Ok(log) => Ok(log),
        Err(e @ (StoreError::AlreadyExists { .. } | StoreError::PgAlreadyExists { .. })) => Err(
            bad_input(format!("{e}; a new store is only made where there is none")),
        ),
        Err(e) => Err(e).with_context(|| format!("cannot create a store at {}", at.describe())),
    }
}

impl Log {
    /// Where the log is, for messages.
    pub fn describe(&self) -> String {
        match self {
            Log::Sled(log) => log.dir().display().to_string(),
            Log::Pg(log) => log.place().to_string(),
        }
    }

    /// Whether other processes may append to this log (PostgreSQL): then a server catches
    /// up with them and appends with [`Log::append_at`].
    pub fn is_shared(&self) -> bool {
        matches!(self, Log::Pg(_))
    }

    /// Catches up with what other processes appended (PostgreSQL); the sled store has one
    /// process, its holder, and nothing to catch up with.
    /// Whether the connection to the store is known to be lost (PostgreSQL; never for sled).
    pub fn connection_lost(&self) -> bool {
        match self {
            Log::Sled(_) => false,
            Log::Pg(log) => log.connection_lost(),
        }
    }

    pub fn refresh(&mut self) -> Result<(), StoreError> {
        match self {
            Log::Sled(_) => Ok(()),
            Log::Pg(log) => log.refresh(),
        }
    }

    /// Connects again if the connection is known to be lost (PostgreSQL), nothing else.
    pub fn reconnect_if_lost(&mut self) -> Result<(), StoreError> {
        match self {
            Log::Sled(_) => Ok(()),
            Log::Pg(log) => log.reconnect_if_lost(),
        }
    }

    /// Appends `req` only if the log is still at record `head_seq`, the state it was decided
    /// on; else `StoreError::HeadMoved` and nothing written.
    pub fn append_at(
        &mut self,
        head_seq: u64,
        req: AppendRequest,
    ) -> Result<AppendOutcome, StoreError> {
        match self {
            Log::Sled(log) => {
                let actual = log.head().seq;
                if actual != head_seq {
                    return Err(StoreError::HeadMoved {
                        expected: head_seq,
                        actual,
                    });
                }
                log.append(req)
            }
            Log::Pg(log) => log.append_at(head_seq, req),
        }
    }

    /// Decides and appends with no other writer in between: `decide` sees the records from
    /// `from` on (PostgreSQL: under the head row's lock) and gives the batch, or `None`.
    pub fn append_decided(
        &mut self,
        from: u64,
        decide: impl FnOnce(
            &mut dyn Iterator<Item = Result<ReplayRecord, StoreError>>,
        ) -> Option<AppendRequest>,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        match self {
            Log::Sled(log) => {
                let request = {
                    let mut records = log.scan_replay(from);
                    decide(&mut *records)
                };
                match request {
                    None => Ok(None),
                    Some(req) => log.append(req).map(Some),
                }
            }
            Log::Pg(log) => log.append_decided(from, decide),
        }
    }

    fn inner(&self) -> &dyn EventLog {
        match self {
            Log::Sled(log) => log,
            Log::Pg(log) => log,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn EventLog {
        match self {
            Log::Sled(log) => log,
            Log::Pg(log) => log,
        }
    }
}

impl EventLog for Log {
    fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.inner_mut().append(req)
    }
    fn append_stream(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
    ) -> Result<AppendOutcome, StoreError> {
        self.inner_mut().append_stream(expected, events)
    }
    fn head(&self) -> Head {
        self.inner().head()
    }
    fn stream_version(&self, stream: &str) -> u64 {
        self.inner().stream_version(stream)
    }
    fn contains(&self, id: &uuid::Uuid) -> Result<bool, StoreError> {
        self.inner().contains(id)
    }
    fn scan(&self, from: u64) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        self.inner().scan(from)
    }
    fn scan_replay(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<ReplayRecord, StoreError>> + '_> {
        self.inner().scan_replay(from)
    }
    fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError> {
        self.inner_mut().import(events)
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.inner().verify()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_dirs_and_no_password_shown() {
        assert!(matches!(
            Location::parse("postgres://a:b@h/db"),
            Location::Postgres(_)
        ));
        assert!(matches!(Location::parse("./data"), Location::Dir(_)));
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgresql://u@h/db"), "postgresql://u@h/db");
        assert!(set_store(Some("/tmp/x")).is_err());
    }
}
