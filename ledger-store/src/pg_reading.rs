//! The PostgreSQL log's reading helpers: the pages a scan reads, one query each, and the head
//! read on a connection of its own (`PgHead`).

use super::*;

/// Records read by the first query of a scan: a caller reading one record (a book's history,
/// a list's lines, one position at a time) reads a few, not a whole page; the pages then
/// double up to [`SCAN_PAGE`].
pub(super) const FIRST_PAGE: i64 = 8;

/// Records read a page at a time, in order, each page one query (no cursor held open).
pub(super) struct Pages<'a> {
    pub(super) backend: &'a PgBackend,
    pub(super) next: i64,
    pub(super) page: i64,
    pub(super) buffer: VecDeque<(u64, sled::IVec)>,
    pub(super) done: bool,
}

impl Iterator for Pages<'_> {
    type Item = Result<(u64, sled::IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty() && !self.done {
            let rows = lock(&self.backend.client).query(
                "SELECT global_seq, value FROM events WHERE global_seq >= $1 ORDER BY global_seq LIMIT $2",
                &[&self.next, &self.page],
            );
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    self.done = true;
                    return Some(Err(StoreError::pg(
                        self.backend
                            .what(&format!("reading records from {}", self.next)),
                        e,
                    )));
                }
            };
            if (rows.len() as i64) < self.page {
                self.done = true;
            }
            self.page = (self.page * 2).min(SCAN_PAGE);
            for row in rows {
                let seq: i64 = row.get(0);
                let Ok(key) = u64::try_from(seq) else {
                    self.done = true;
                    self.buffer.clear();
                    return Some(Err(StoreError::corrupt(
                        0,
                        format!("a record is stored at position {seq}"),
                    )));
                };
                self.next = seq.saturating_add(1);
                let value: Vec<u8> = row.get(1);
                self.buffer.push_back((key, sled::IVec::from(value)));
            }
        }
        self.buffer.pop_front().map(Ok)
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
