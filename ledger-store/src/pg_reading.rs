//! The PostgreSQL log's reading helpers: the records a scan reads (a few small pages, then
//! one streaming query), and the head read on a connection of its own (`PgHead`).

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use postgres::fallible_iterator::FallibleIterator;

use super::*;

/// Records read by the first query of a scan: a caller reading one record (a book's history,
/// a list's lines, one position at a time) reads a few, not a whole page; the pages then
/// double up to [`SCAN_PAGE`].
pub(super) const FIRST_PAGE: i64 = 8;

/// Records handed at a time from the streaming query's thread to the scan.
const STREAM_CHUNK: usize = 256;
/// Chunks that may wait for the scan.
const STREAM_QUEUE: usize = 8;

type Chunk = Result<Vec<(u64, sled::IVec)>, StoreError>;

/// Records read in order: first a few pages, each one query (`LIMIT`), so that a caller
/// reading a handful of records (a history, a snapshot's position) never starts more; once a
/// page of [`SCAN_PAGE`] records has come back full, the rest in one streaming query
/// (`query_raw`, rows handed over as they arrive), read by a thread of its own that holds the
/// connection until the query ends or the scan is dropped. Each value is copied once, from
/// the row into the `IVec` handed out.
pub(super) struct Pages<'a> {
    pub(super) backend: &'a PgBackend,
    pub(super) next: i64,
    pub(super) page: i64,
    pub(super) buffer: VecDeque<(u64, sled::IVec)>,
    pub(super) done: bool,
    /// The streaming query's chunks, once it is started.
    pub(super) stream: Option<Receiver<Chunk>>,
}

impl Pages<'_> {
    pub(super) fn new(backend: &PgBackend, from: u64) -> Pages<'_> {
        Pages {
            backend,
            next: i64::try_from(from.max(1)).unwrap_or(i64::MAX),
            page: FIRST_PAGE,
            buffer: VecDeque::new(),
            done: false,
            stream: None,
        }
    }

    fn fail(&mut self, error: StoreError) -> Option<Result<(u64, sled::IVec), StoreError>> {
        self.done = true;
        self.buffer.clear();
        self.stream = None;
        Some(Err(error))
    }

    /// One page with `LIMIT`, into the buffer.
    fn read_page(&mut self) -> Result<(), StoreError> {
        let rows = lock(&self.backend.client)
            .query(
                "SELECT global_seq, value FROM events WHERE global_seq >= $1 ORDER BY global_seq LIMIT $2",
                &[&self.next, &self.page],
            )
            .map_err(|e| {
                StoreError::pg(
                    self.backend
                        .what(&format!("reading records from {}", self.next)),
                    e,
                )
            })?;
        let full = rows.len() as i64 >= self.page;
        for row in &rows {
            let (seq, value) = record_of(row)?;
            self.next = i64::try_from(seq).map_or(i64::MAX, |s| s.saturating_add(1));
            self.buffer.push_back((seq, value));
        }
        if !full {
            self.done = true;
        } else if self.page >= SCAN_PAGE {
            self.start_stream();
        } else {
            self.page = (self.page * 2).min(SCAN_PAGE);
        }
        Ok(())
    }

    /// Starts the streaming query of the records from `next` on. Should no thread start, the
    /// scan goes on a page at a time.
    fn start_stream(&mut self) {
        let (tx, rx) = sync_channel::<Chunk>(STREAM_QUEUE);
        let client = Arc::clone(&self.backend.client);
        let place = Arc::clone(&self.backend.place);
        let from = self.next;
        let started = std::thread::Builder::new()
            .name("bonded-pg-scan".into())
            .spawn(move || stream_records(&client, &place, from, &tx));
        if started.is_ok() {
            self.stream = Some(rx);
        }
    }
}

/// A row's position and value (the value copied once, into the `IVec`).
fn record_of(row: &postgres::Row) -> Result<(u64, sled::IVec), StoreError> {
    let seq: i64 = row
        .try_get(0)
        .map_err(|e| StoreError::corrupt(0, format!("a record's position does not read: {e}")))?;
    let key = u64::try_from(seq)
        .map_err(|_| StoreError::corrupt(0, format!("a record is stored at position {seq}")))?;
    let value: &[u8] = row
        .try_get(1)
        .map_err(|e| StoreError::corrupt(key, format!("the record's value does not read: {e}")))?;
    Ok((key, sled::IVec::from(value)))
}

/// The streaming query's thread: every record from `from` on, in order, handed over
/// [`STREAM_CHUNK`] at a time; stops at the first error (handed over too) or when the scan
/// is dropped. The rest of a query stopped early is read and dropped by the connection
/// before its next statement.
fn stream_records(client: &Mutex<Client>, place: &str, from: i64, tx: &SyncSender<Chunk>) {
    let what = || format!("reading records from {from} in {place}");
    let mut client = lock(client);
    let mut rows = match client.query_raw(
        "SELECT global_seq, value FROM events WHERE global_seq >= $1 ORDER BY global_seq",
        [from],
    ) {
        Ok(rows) => rows,
        Err(e) => {
            let _ = tx.send(Err(StoreError::pg(what(), e)));
            return;
        }
    };
    let mut chunk = Vec::with_capacity(STREAM_CHUNK);
    loop {
        match rows.next() {
            Ok(Some(row)) => match record_of(&row) {
                Ok(record) => {
                    chunk.push(record);
                    if chunk.len() == STREAM_CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(STREAM_CHUNK));
                        if tx.send(Ok(full)).is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            },
            Ok(None) => {
                if !chunk.is_empty() {
                    let _ = tx.send(Ok(chunk));
                }
                return;
            }
            Err(e) => {
                if !chunk.is_empty() && tx.send(Ok(std::mem::take(&mut chunk))).is_err() {
                    return;
                }
                let _ = tx.send(Err(StoreError::pg(what(), e)));
                return;
            }
        }
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<(u64, sled::IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.buffer.pop_front() {
                return Some(Ok(record));
            }
            if self.done {
                return None;
            }
            if let Some(stream) = &self.stream {
                match stream.recv() {
                    Ok(Ok(chunk)) => self.buffer.extend(chunk),
                    Ok(Err(e)) => return self.fail(e),
                    // The query ended (every row handed over).
                    Err(_) => {
                        self.done = true;
                        self.stream = None;
                    }
                }
                continue;
            }
            if let Err(e) = self.read_page() {
                return self.fail(e);
            }
        }
    }
}

/// A connection of its own that reads the log's head, for a process that must know, cheaply
/// and often, whether other processes have appended (one indexed row read, never waiting for
/// a writer: the head row is read without a lock).
pub struct PgHead {
    client: Mutex<Client>,
    place: String,
    url: String,
}

impl PgHead {
    pub fn connect(url: &str) -> Result<PgHead, StoreError> {
        let (client, place) = PgLog::connect(url)?;
        Ok(PgHead {
            client: Mutex::new(client),
            place,
            url: url.to_string(),
        })
    }

    /// The head's position as committed now. A connection that was lost (the database
    /// restarted) is made again once.
    pub fn seq(&self) -> Result<u64, StoreError> {
        let mut client = lock(&self.client);
        let row = match client.query_one("SELECT seq FROM log_head", &[]) {
            Ok(row) => row,
            Err(e) if client.is_closed() => {
                let (fresh, _) = PgLog::connect(&self.url).map_err(|_| {
                    StoreError::pg(format!("reading the head in {}", self.place), e)
                })?;
                *client = fresh;
                client
                    .query_one("SELECT seq FROM log_head", &[])
                    .map_err(|e| StoreError::pg(format!("reading the head in {}", self.place), e))?
            }
            Err(e) => {
                return Err(StoreError::pg(
                    format!("reading the head in {}", self.place),
                    e,
                ))
            }
        };
        to_u64(0, row.get::<_, i64>(0), "the head's seq")
    }
}
