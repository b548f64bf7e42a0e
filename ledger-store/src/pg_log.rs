//! `PgLog`: the event log in a PostgreSQL database, for when one machine is not enough.
//!
//! The rules are the engine's (`engine.rs`), as for the memory and sled logs; the records are
//! the same bytes (`codec.rs`: `hash ++ canonical bytes`), so a store moves between backends
//! by export and restore (or `bonded copy`) byte for byte. What PostgreSQL adds is that
//! several processes may write to one log, and the database decides between them:
//!
//! - every write (append, streamed append, import) is one transaction that first locks the
//!   one row of `log_head` (`SELECT … FOR UPDATE`): writers queue there. Holding it, the
//!   writer catches up with what others appended since it last looked (head, stream versions
//!   from `streams`, the ids of the new records for its idempotency index), then the engine
//!   checks the batch (expected versions, ids) against that, and the records, the new stream
//!   versions and the head are written and committed together. A stale expected version is
//!   `StoreError::WrongExpectedVersion`, as with the other logs: nothing was written, retry.
//! - unique constraints on `events (global_seq)`, `(stream, stream_seq)` and `(id)` are the
//!   last line of defence: a write that slipped past the lock could only fail, never leave a
//!   gap or a duplicate.
//! - the commit is durable when it returns: the session sets `synchronous_commit = on`.
//! - a write costs a handful of round trips to the server, whatever its size: `BEGIN` and the
//!   head row's lock in one query, the records in one binary COPY (held back until the
//!   commit, or sent 8 MiB at a time), and the stream versions (one upsert of them all), the
//!   head and `COMMIT` in one query.
//!
//! Reads (`scan`, `scan_replay`, `head`, `stream_version`) answer from what this handle last
//! saw (at open, at its last write, or at `refresh`); `verify` reads one snapshot of the
//! whole database.
//!
//! Tables (schema version 1, in the connection's current schema, `search_path`):
//!
//! ```text
//! schema_version (version integer)                          -- one row: 1
//! log_head (singleton bool PK, seq bigint, hash bytea[32])  -- one row: the commit point
//! events (global_seq bigint PK, stream text, stream_seq bigint, id uuid UNIQUE,
//!         value bytea,  UNIQUE (stream, stream_seq))        -- value: hash ++ canonical bytes
//! streams (stream text PK, version bigint)
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use postgres::{Client, NoTls, SimpleQueryMessage, Statement};
use uuid::Uuid;

use crate::codec::{open_value, stream_of};
use crate::engine::{Backend, Commit, CommitFailure, Engine, StagedCommit, ValueIter};
use crate::error::StoreError;
use crate::event::{Hash, NewEvent, ReplayRecord, StoredEvent};
use crate::id_index::IdIndex;
use crate::log::{AppendOutcome, AppendRequest, EventLog, Head, Streamed, VerifyReport};

/// The version of the tables this program reads and writes.
pub const PG_SCHEMA_VERSION: i32 = 1;

/// Records read per query by a scan.
const SCAN_PAGE: i64 = 2_000;
/// Ids read per query when the idempotency index is read.
const ID_PAGE: i64 = 100_000;

const CREATE_SCHEMA: &str = "
CREATE TABLE schema_version (
    version integer NOT NULL
);
CREATE TABLE log_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq bigint NOT NULL CHECK (seq >= 0),
    hash bytea NOT NULL CHECK (octet_length(hash) = 32)
);
CREATE TABLE events (
    global_seq bigint PRIMARY KEY CHECK (global_seq >= 1),
    stream text NOT NULL,
    stream_seq bigint NOT NULL CHECK (stream_seq >= 1),
    id uuid NOT NULL UNIQUE,
    value bytea NOT NULL,
    UNIQUE (stream, stream_seq)
);
CREATE TABLE streams (
    stream text PRIMARY KEY,
    version bigint NOT NULL CHECK (version >= 1)
);
";

#[path = "pg_place.rs"]
mod place;
#[path = "pg_reading.rs"]
mod reading;
#[path = "pg_writing.rs"]
mod writing;
use place::describe;
use reading::Pages;
pub use reading::PgHead;
use writing::Unsent;

/// Locks the connection; a poisoned lock (a panic elsewhere mid-statement) still gives it:
/// the statement's transaction, if any, is rolled back by the server when it ends.
fn lock(client: &Mutex<Client>) -> MutexGuard<'_, Client> {
    client
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| {
        StoreError::invalid(format!("{what} {n} is too large for PostgreSQL's bigint"))
    })
}

/// The head read from the table: its position and its 32-byte hash.
fn head_of(seq: u64, hash: &[u8]) -> Result<Head, StoreError> {
    let hash = Hash::try_from(hash).map_err(|_| {
        StoreError::corrupt(
            seq,
            format!("the head's hash is {} bytes, not 32", hash.len()),
        )
    })?;
    Ok(Head { seq, hash })
}

fn to_u64(seq_hint: u64, n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::corrupt(seq_hint, format!("{what} is negative ({n})")))
}

pub(crate) struct PgBackend {
    client: Arc<Mutex<Client>>,
    place: Arc<str>,
    /// The store's URL, to connect again when the connection is lost.
    url: Arc<str>,
    /// A statement failed because the connection was lost (before the client may know it).
    lost: bool,
    /// A transaction is open on the connection (a write holding the head row's lock, or
    /// `verify`'s snapshot).
    in_txn: bool,
    /// The first and last record a streamed append has staged in its transaction.
    staged: Option<(u64, u64)>,
    /// Records of the open write not sent yet: the rows of its COPY.
    unsent: Unsent,
    /// The write's statements, prepared once on the connection.
    statements: Statements,
}

/// Statements prepared once per connection.
#[derive(Default)]
struct Statements {
    copy: OnceLock<Statement>,
}

impl PgBackend {
    fn new(client: Client, place: String, url: &str) -> PgBackend {
        PgBackend {
            client: Arc::new(Mutex::new(client)),
            place: place.into(),
            url: url.into(),
            lost: false,
            in_txn: false,
            staged: None,
            unsent: Unsent::default(),
            statements: Statements::default(),
        }
    }

    fn what(&self, action: &str) -> String {
        format!("{action} in {}", self.place)
    }

    /// Another handle on the same connection (for `verify`'s snapshot).
    fn share(&self) -> PgBackend {
        PgBackend {
            client: Arc::clone(&self.client),
            place: Arc::clone(&self.place),
            url: Arc::clone(&self.url),
            lost: false,
            in_txn: false,
            staged: None,
            unsent: Unsent::default(),
            statements: Statements::default(),
        }
    }

    /// `sql` prepared on the connection, once.
    fn prepared(
        &self,
        client: &mut Client,
        cell: &OnceLock<Statement>,
        sql: &str,
        action: &str,
    ) -> Result<Statement, StoreError> {
        if let Some(statement) = cell.get() {
            return Ok(statement.clone());
        }
        let statement = client
            .prepare(sql)
            .map_err(|e| StoreError::pg(self.what(action), e))?;
        Ok(cell.get_or_init(|| statement).clone())
    }

    fn exec(&self, sql: &str, action: &str) -> Result<(), StoreError> {
        lock(&self.client)
            .batch_execute(sql)
            .map_err(|e| StoreError::pg(self.what(action), e))
    }

    fn begin(&mut self, sql: &str) -> Result<(), StoreError> {
        self.exec(sql, "starting a transaction")?;
        self.in_txn = true;
        self.staged = None;
        self.unsent.clear();
        Ok(())
    }

    /// Ends the open transaction without writing anything; best effort (a connection that
    /// failed has lost it anyway).
    fn rollback(&mut self) {
        if self.in_txn {
            let _ = self.exec("ROLLBACK", "rolling back");
            self.in_txn = false;
        }
        self.staged = None;
        self.unsent.clear();
    }

    /// The head row; with `for_update`, locked until the transaction ends: the writers' queue.
    fn read_head(&self, for_update: bool) -> Result<Head, StoreError> {
        let sql = if for_update {
            "SELECT seq, hash FROM log_head FOR UPDATE"
        } else {
            "SELECT seq, hash FROM log_head"
        };
        let rows = lock(&self.client)
            .query(sql, &[])
            .map_err(|e| StoreError::pg(self.what("reading the head"), e))?;
        let [row] = rows.as_slice() else {
            return Err(StoreError::corrupt(
                0,
                format!("the table log_head holds {} rows, not 1", rows.len()),
            ));
        };
        let seq = to_u64(0, row.get::<_, i64>(0), "the head's seq")?;
        let hash: Vec<u8> = row.get(1);
        head_of(seq, &hash)
    }

    fn read_versions(&self) -> Result<HashMap<String, u64>, StoreError> {
        let rows = lock(&self.client)
            .query("SELECT stream, version FROM streams", &[])
            .map_err(|e| StoreError::pg(self.what("reading stream versions"), e))?;
        rows.iter()
            .map(|row| {
                let stream: String = row.get(0);
                let version = to_u64(0, row.get(1), &format!("the version of stream {stream:?}"))?;
                Ok((stream, version))
            })
            .collect()
    }

    /// `(global_seq, id)` of the records `after + 1 ..= upto`, in order, checked to follow
    /// each other from `after + 1`.
    fn ids_between(&self, after: u64, upto: u64) -> Result<Vec<(u64, Uuid)>, StoreError> {
        let mut out = Vec::with_capacity(
            usize::try_from(upto.saturating_sub(after))
                .unwrap_or(0)
                .min(1 << 24),
        );
        let mut next = after + 1;
        while next <= upto {
            let rows = lock(&self.client)
                .query(
                    "SELECT global_seq, id FROM events WHERE global_seq >= $1 AND global_seq <= $2 \
                     ORDER BY global_seq LIMIT $3",
                    &[&to_i64(next, "position")?, &to_i64(upto, "position")?, &ID_PAGE],
                )
                .map_err(|e| StoreError::pg(self.what("reading event ids"), e))?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let seq = to_u64(next, row.get(0), "a record's global_seq")?;
                if seq != next {
                    return Err(StoreError::corrupt(
                        next,
                        format!("the record is missing (the next stored record is {seq})"),
                    ));
                }
                out.push((seq, row.get::<_, Uuid>(1)));
                next += 1;
            }
        }
        if next <= upto {
            return Err(StoreError::corrupt(next, "the record is missing"));
        }
        Ok(out)
    }
}

impl Backend for PgBackend {
    fn get(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(value) = self.unsent.get(seq) {
            // A record of the open write not sent yet.
            return Ok(Some(value));
        }
        let Ok(key) = i64::try_from(seq) else {
            return Ok(None);
        };
        let row = lock(&self.client)
            .query_opt("SELECT value FROM events WHERE global_seq = $1", &[&key])
            .map_err(|e| StoreError::pg(self.what(&format!("reading record {seq}")), e))?;
        Ok(row.map(|r| r.get::<_, Vec<u8>>(0)))
    }

    fn values_from(&self, seq: u64) -> ValueIter<'_> {
        Box::new(Pages::new(self, seq))
    }

    fn read_ids(&self, head: &Head) -> Result<IdIndex, StoreError> {
        let mut ids = IdIndex::with_capacity(usize::try_from(head.seq).unwrap_or(0).min(1 << 24));
        for (seq, id) in self.ids_between(0, head.seq)? {
            ids.push(id).map_err(|e| e.at(seq, id))?;
        }
        Ok(ids)
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), CommitFailure> {
        let first = commit.records.first().map_or(0, |r| r.0);
        if !self.in_txn {
            return Err(CommitFailure {
                applied: false,
                error: StoreError::invalid(format!(
                    "records {first}..={} were to be written outside a transaction holding the head; nothing was written",
                    commit.head.seq
                )),
            });
        }
        self.unsent.clear();
        if let Err(error) = self.buffer_records(
            commit
                .records
                .iter()
                .map(|(seq, id, value)| (*seq, id, value.as_slice())),
        ) {
            self.rollback();
            return Err(CommitFailure {
                applied: false,
                error,
            });
        }
        self.finish_commit(&commit.versions, &commit.head, first)
    }

    fn stage(&mut self, records: &[(u64, Uuid, Vec<u8>)]) -> Result<(), StoreError> {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Ok(());
        };
        if !self.in_txn {
            return Err(StoreError::invalid(
                "a streamed append was staged outside a transaction holding the head",
            ));
        }
        let staged = match self.staged {
            Some((from, to)) if to.checked_add(1) == Some(first.0) => (from, last.0),
            None => (first.0, last.0),
            Some((from, to)) => {
                return Err(StoreError::invalid(format!(
                    "records {}..={} do not follow the staged {from}..={to}",
                    first.0, last.0
                )))
            }
        };
        self.buffer_records(
            records
                .iter()
                .map(|(seq, id, value)| (*seq, id, value.as_slice())),
        )?;
        self.staged = Some(staged);
        Ok(())
    }

    fn commit_staged(&mut self, commit: &StagedCommit) -> Result<(), CommitFailure> {
        let first = commit.ids.first().map_or(0, |r| r.0);
        if !self.in_txn || self.staged != Some((first, commit.head.seq)) {
            let error = StoreError::invalid(format!(
                "the records staged ({:?}) are not the append's {first}..={}; nothing of it was written",
                self.staged, commit.head.seq
            ));
            self.rollback();
            return Err(CommitFailure {
                applied: false,
                error,
            });
        }
        self.finish_commit(&commit.versions, &commit.head, first)
    }

    fn abandon(&mut self) {
        self.rollback();
    }
}

/// The event log in a PostgreSQL database; see the module docs.
pub struct PgLog {
    engine: Engine<PgBackend>,
}

impl PgLog {
    fn connect(url: &str) -> Result<(Client, String), StoreError> {
        let config: postgres::Config = url.parse().map_err(|e| {
            StoreError::invalid(format!(
                "the store address is not a PostgreSQL URL (postgres://user:password@host/database): {e}"
            ))
        })?;
        let place = describe(&config);
        let mut client = config
            .connect(NoTls)
            .map_err(|e| StoreError::pg(format!("connecting to {place}"), e))?;
        // An append is durable when its commit returns, whatever the database's default.
        client
            .batch_execute("SET synchronous_commit = on")
            .map_err(|e| StoreError::pg(format!("setting synchronous_commit in {place}"), e))?;
        Ok((client, place))
    }

    /// Which of this store's tables the database holds (in the connection's schema).
    fn tables(client: &mut Client, place: &str) -> Result<Vec<String>, StoreError> {
        let rows = client
            .query(
                "SELECT name FROM unnest(ARRAY['schema_version','log_head','events','streams']) AS name \
                 WHERE to_regclass(quote_ident(name)) IS NOT NULL",
                &[],
            )
            .map_err(|e| StoreError::pg(format!("looking for the store's tables in {place}"), e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Creates the store's tables in the database `url` names (in its current schema) and
    /// returns the empty log. Refuses a database that already holds any of them.
    pub fn create(url: &str) -> Result<Self, StoreError> {
        let (mut client, place) = Self::connect(url)?;
        if !Self::tables(&mut client, &place)?.is_empty() {
            return Err(StoreError::PgAlreadyExists { place });
        }
        let what = format!("creating the store's tables in {place}");
        let mut txn = client
            .transaction()
            .map_err(|e| StoreError::pg(what.clone(), e))?;
        txn.batch_execute(CREATE_SCHEMA)
            .map_err(|e| StoreError::pg(what.clone(), e))?;
        txn.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&PG_SCHEMA_VERSION],
        )
        .map_err(|e| StoreError::pg(what.clone(), e))?;
        txn.execute(
            "INSERT INTO log_head (seq, hash) VALUES (0, $1)",
            &[&Head::EMPTY.hash.as_slice()],
        )
        .map_err(|e| StoreError::pg(what.clone(), e))?;
        txn.commit().map_err(|e| StoreError::pg(what, e))?;
        Ok(PgLog {
            engine: Engine::new(
                PgBackend::new(client, place, url),
                Head::EMPTY,
                Some(IdIndex::default()),
                HashMap::new(),
            ),
        })
    }

    /// Opens the store in the database `url` names and checks its tail (the head record
    /// hashes to the head, nothing is stored past it). Refuses a database without the
    /// store's tables, or with tables of another schema version.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let log = Self::open_unchecked(url)?;
        log.check_tail()?;
        Ok(log)
    }

    /// `open` without the tail check, so that `verify` can report on a damaged store.
    pub fn open_unchecked(url: &str) -> Result<Self, StoreError> {
        let (mut client, place) = Self::connect(url)?;
        let tables = Self::tables(&mut client, &place)?;
        if !tables.iter().any(|t| t == "schema_version") {
            return Err(StoreError::NotAPgStore {
                why: if tables.is_empty() {
                    "the database holds none of its tables; create the store with `bonded init --store URL`".to_string()
                } else {
                    format!("it has the tables {tables:?} but no schema_version table")
                },
                place,
            });
        }
        let rows = client
            .query("SELECT version FROM schema_version", &[])
            .map_err(|e| StoreError::pg(format!("reading the schema version in {place}"), e))?;
        let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        if versions != [PG_SCHEMA_VERSION] {
            return Err(StoreError::invalid(format!(
                "the store in {place} has schema version {versions:?}; this program reads version {PG_SCHEMA_VERSION} only"
            )));
        }
        if tables.len() != 4 {
            return Err(StoreError::NotAPgStore {
                why: format!("of its four tables only {tables:?} are there"),
                place,
            });
        }
        let mut backend = PgBackend::new(client, place, url);
        // Head and versions from one snapshot: a writer elsewhere commits both at once.
        backend.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let read = backend
            .read_head(false)
            .and_then(|head| Ok((head, backend.read_versions()?)));
        backend.rollback();
        let (head, versions) = read?;
        Ok(PgLog {
            engine: Engine::new(backend, head, None, versions),
        })
    }

    /// A name for this store's place that holds no secret, the same for every process that
    /// opens it with the same URL (`place::cache_key`): what a local cache of it (the saved
    /// state) is kept under.
    pub fn cache_key(&self) -> String {
        place::cache_key(self.place(), &self.engine.backend.url)
    }

    /// Where the store is (database, host, user), for messages.
    pub fn place(&self) -> &str {
        &self.engine.backend.place
    }

    /// Appends `req` only if the log's head is still record `head_seq` (the state the batch
    /// was decided on): checked under the head row's lock, so a batch decided on a log that
    /// another process has since appended to is refused whole with `StoreError::HeadMoved`,
    /// never written on stale state. Several `bonded serve` processes on one database append
    /// this way.
    pub fn append_at(
        &mut self,
        head_seq: u64,
        req: AppendRequest,
    ) -> Result<AppendOutcome, StoreError> {
        self.write(|engine| {
            if engine.head.seq != head_seq {
                return Err(StoreError::HeadMoved {
                    expected: head_seq,
                    actual: engine.head.seq,
                });
            }
            engine.append(req)
        })
    }

    /// Decides and appends holding the head row's lock: `decide` is shown the records from
    /// `from` to the head (what other writers appended since the caller's state) and returns
    /// the batch to append, or `None` to write nothing. No other writer can append in
    /// between, so the batch cannot be overtaken: how a server that lost the race with
    /// `append_at` makes sure of its next attempt (other writers wait meanwhile).
    pub fn append_decided(
        &mut self,
        from: u64,
        decide: impl FnOnce(
            &mut dyn Iterator<Item = Result<ReplayRecord, StoreError>>,
        ) -> Option<AppendRequest>,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        self.write(|engine| {
            let request = {
                let mut records = engine.scan_as::<ReplayRecord>(from);
                decide(&mut *records)
            };
            match request {
                None => Ok(None),
                Some(req) => engine.append(req).map(Some),
            }
        })
    }

    /// Reads the head again and catches up with what other writers appended since. A
    /// connection that was lost is made again first.
    pub fn refresh(&mut self) -> Result<(), StoreError> {
        self.reconnect_if_lost()?;
        let result = self
            .engine
            .backend
            .read_head(false)
            .and_then(|head| self.catch_up(head));
        self.note_lost(result)
    }

    /// Notes a failure that was the connection lost, for `connection_lost`.
    fn note_lost<T>(&mut self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &result {
            if e.is_connection_lost() {
                self.engine.backend.lost = true;
            }
        }
        result
    }

    /// Whether the connection to the database is known to be lost (a statement on it failed
    /// because the server ended it, restarted or could not be reached). The next write, or
    /// `refresh`, connects again.
    /// Never waits: a connection in use (a scan streaming on it) is not lost.
    pub fn connection_lost(&self) -> bool {
        let backend = &self.engine.backend;
        backend.lost
            || backend
                .client
                .try_lock()
                .map(|client| client.is_closed())
                .unwrap_or(false)
    }

    /// Connects again if the connection is lost (`connection_lost`): what this handle knows
    /// (head, stream versions, ids) stays, and the next write catches up with the database
    /// under the head row's lock, as after any other writer's appends. A write whose commit
    /// was cut off with the connection is then found in the log if it landed.
    pub fn reconnect_if_lost(&mut self) -> Result<(), StoreError> {
        if !self.connection_lost() {
            return Ok(());
        }
        let backend = &mut self.engine.backend;
        let (fresh, _) = Self::connect(&backend.url)?;
        *lock(&backend.client) = fresh;
        backend.statements = Statements::default();
        backend.in_txn = false;
        backend.staged = None;
        backend.unsent.clear();
        backend.lost = false;
        Ok(())
    }

    /// Cheap open-time check of the chain's tail.
    fn check_tail(&self) -> Result<(), StoreError> {
        let head = self.engine.head;
        let backend = &self.engine.backend;
        if head.seq > 0 {
            let value = backend
                .get(head.seq)?
                .ok_or_else(|| StoreError::corrupt(head.seq, "the head record is missing"))?;
            let (hash, _) = open_value(head.seq, &value)?;
            if hash != head.hash {
                return Err(StoreError::corrupt(
                    head.seq,
                    format!(
                        "the head says hash {} but the head record's hash is {}",
                        hex::encode(head.hash),
                        hex::encode(hash)
                    ),
                ));
            }
        }
        let past = lock(&backend.client)
            .query_one(
                "SELECT min(global_seq) FROM events WHERE global_seq > $1",
                &[&to_i64(head.seq, "position")?],
            )
            .map_err(|e| StoreError::pg(backend.what("looking for records past the head"), e))?;
        if let Some(seq) = past.get::<_, Option<i64>>(0) {
            // A writer may have committed since the head was read: only a record past the
            // head as it is now is damage.
            let now = backend.read_head(false)?;
            let seq = to_u64(0, seq, "a record's global_seq")?;
            if seq > now.seq {
                return Err(StoreError::corrupt(
                    seq,
                    format!(
                        "a record is stored past the head (the head is record {})",
                        now.seq
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Brings this handle's head, stream versions and id index up to `head` (read by the
    /// caller, under the lock when it is about to write).
    fn catch_up(&mut self, head: Head) -> Result<(), StoreError> {
        let known = self.engine.head;
        if head == known {
            return Ok(());
        }
        if head.seq <= known.seq {
            return Err(StoreError::corrupt(
                head.seq.max(1),
                format!(
                    "the database's head went from record {} (hash {}) to record {} (hash {}): records were removed or changed",
                    known.seq,
                    hex::encode(known.hash),
                    head.seq,
                    hex::encode(head.hash)
                ),
            ));
        }
        let versions = self.engine.backend.read_versions()?;
        if self.engine.ids_loaded() {
            let ids = self.engine.backend.ids_between(known.seq, head.seq)?;
            self.engine.extend_ids(ids.into_iter())?;
        }
        self.engine.versions = versions;
        self.engine.head = head;
        Ok(())
    }

    /// Runs one write: a transaction holding the head row's lock, this handle caught up
    /// under it, then `write` (which commits through the backend); rolled back if `write`
    /// returns without committing (a refusal, a retry of stored events only).
    fn write<T>(
        &mut self,
        write: impl FnOnce(&mut Engine<PgBackend>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.reconnect_if_lost()?;
        let result = self
            .engine
            .backend
            .begin_write()
            .and_then(|head| self.catch_up(head))
            .and_then(|()| write(&mut self.engine));
        self.engine.backend.rollback();
        self.note_lost(result)
    }
}

impl EventLog for PgLog {
    fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.write(|engine| engine.append(req))
    }
    fn append_stream(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
    ) -> Result<AppendOutcome, StoreError> {
        self.write(|engine| engine.append_stream(expected, events, &mut drop::<NewEvent>))
    }
    fn head(&self) -> Head {
        self.engine.head
    }
    fn stream_version(&self, stream: &str) -> u64 {
        self.engine.stream_version(stream)
    }
    fn contains(&self, id: &Uuid) -> Result<bool, StoreError> {
        self.engine.contains(id)
    }
    fn scan(&self, from: u64) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        self.engine.scan(from)
    }
    fn scan_replay(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<ReplayRecord, StoreError>> + '_> {
        self.engine.scan_as(from)
    }
    fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError> {
        self.write(|engine| engine.import(events))
    }
    /// Walks the whole chain as one snapshot of the database (head, versions, ids and
    /// records read in one repeatable-read transaction), so writers elsewhere do not make it
    /// see records past the head it read.
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut backend = self.engine.backend.share();
        backend.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let result = (|| {
            let head = backend.read_head(false)?;
            let known = self.engine.head;
            if head.seq < known.seq {
                return Err(StoreError::corrupt(
                    head.seq.max(1),
                    format!(
                        "the database's head is record {} but this store was at record {}: records were removed",
                        head.seq, known.seq
                    ),
                ));
            }
            let versions = backend.read_versions()?;
            let engine = Engine::new(backend.share(), head, None, versions);
            engine.verify()
        })();
        backend.rollback();
        result
    }
}
