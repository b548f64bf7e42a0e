//! The PostgreSQL log's writing helpers: a write's records held back as binary COPY rows and
//! sent with one COPY (`Unsent`), and its commit point as one query (`finish_sql`).

use super::*;

/// Bytes of records a write holds back before sending them with one COPY: a write (or a
/// streamed append) normally sends all its records in one COPY just before its commit, so a
/// batch costs a handful of round trips to the server, not three per few hundred records.
pub(super) const COPY_BUFFER: usize = 8 << 20;
/// Binary COPY's signature, flags (none) and header extension (none).
pub(super) const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The end of binary COPY's rows.
pub(super) const COPY_TRAILER: &[u8] = &(-1i16).to_be_bytes();
pub(super) const COPY_EVENTS: &str =
    "COPY events (global_seq, stream, stream_seq, id, value) FROM STDIN BINARY";
/// The last check of a write before its commit: the one head row moved, else the write
/// fails (and the COMMIT after it in the same query with it) with these words in the error.
pub(super) const HEAD_MOVED_ONCE: &str = "SELECT CASE WHEN count(*) = 1 THEN 1 \
     ELSE ('the table log_head holds ' || count(*) || ' rows, not 1')::int END FROM moved";

/// The rows of a write's COPY, held back until its commit (or [`COPY_BUFFER`]).
#[derive(Default)]
pub(super) struct Unsent {
    /// Binary COPY rows, without the header and trailer.
    pub(super) rows: Vec<u8>,
    /// Where each record's value is in `rows`, in order: `(global_seq, start, end)`.
    pub(super) values: Vec<(u64, usize, usize)>,
}

impl Unsent {
    pub(super) fn clear(&mut self) {
        self.rows.clear();
        self.values.clear();
    }

    /// Adds record `seq` as a row of `events`: its stream and stream position read from the
    /// record's header (the engine has just made and checked it).
    pub(super) fn push(&mut self, seq: u64, id: &Uuid, value: &[u8]) -> Result<(), StoreError> {
        let (stream, stream_seq) = stream_of(value).map_err(|w| StoreError::corrupt(seq, w))?;
        let rows = &mut self.rows;
        rows.extend_from_slice(&5i16.to_be_bytes());
        field(rows, &to_i64(seq, "position")?.to_be_bytes(), seq)?;
        field(rows, stream.as_bytes(), seq)?;
        field(rows, &to_i64(stream_seq, "stream_seq")?.to_be_bytes(), seq)?;
        field(rows, id.as_bytes(), seq)?;
        let start = rows.len() + 4;
        field(rows, value, seq)?;
        self.values.push((seq, start, rows.len()));
        Ok(())
    }

    /// The value of record `seq`, if it is held here.
    pub(super) fn get(&self, seq: u64) -> Option<Vec<u8>> {
        let first = self.values.first()?.0;
        let (at, start, end) = *self
            .values
            .get(usize::try_from(seq.checked_sub(first)?).ok()?)?;
        (at == seq).then(|| self.rows.get(start..end).map(<[u8]>::to_vec))?
    }
}

/// One field of a binary COPY row: its length, then its bytes.
fn field(rows: &mut Vec<u8>, bytes: &[u8], seq: u64) -> Result<(), StoreError> {
    let len = i32::try_from(bytes.len()).map_err(|_| {
        StoreError::invalid(format!(
            "record {seq} has a field of {} bytes, more than PostgreSQL's COPY takes",
            bytes.len()
        ))
    })?;
    rows.extend_from_slice(&len.to_be_bytes());
    rows.extend_from_slice(bytes);
    Ok(())
}

impl PgBackend {
    /// Starts a write: a transaction, and the head row read and locked until it ends (the
    /// writers' queue), in one round trip to the server.
    pub(super) fn begin_write(&mut self) -> Result<Head, StoreError> {
        self.in_txn = true;
        self.staged = None;
        self.unsent.clear();
        let messages = lock(&self.client)
            .simple_query("BEGIN; SELECT seq, encode(hash, 'hex') FROM log_head FOR UPDATE")
            .map_err(|e| StoreError::pg(self.what("starting a write (locking the head)"), e))?;
        let rows: Vec<_> = messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(row),
                _ => None,
            })
            .collect();
        let [row] = rows.as_slice() else {
            return Err(StoreError::corrupt(
                0,
                format!("the table log_head holds {} rows, not 1", rows.len()),
            ));
        };
        let seq = row
            .get(0)
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| StoreError::corrupt(0, "the head's seq does not read as a number"))?;
        let seq = to_u64(0, seq, "the head's seq")?;
        let hash = row
            .get(1)
            .and_then(|h| hex::decode(h).ok())
            .unwrap_or_default();
        head_of(seq, &hash)
    }

    /// Adds records (`hash ++ canonical bytes`) to the write's COPY; sent when it commits,
    /// or now if the held rows have grown past [`COPY_BUFFER`].
    pub(super) fn buffer_records<'r>(
        &mut self,
        records: impl Iterator<Item = (u64, &'r Uuid, &'r [u8])>,
    ) -> Result<(), StoreError> {
        for (seq, id, value) in records {
            self.unsent.push(seq, id, value)?;
        }
        if self.unsent.rows.len() >= COPY_BUFFER {
            self.send_records()?;
        }
        Ok(())
    }

    /// Sends the held records with one binary COPY, in the open transaction.
    pub(super) fn send_records(&mut self) -> Result<(), StoreError> {
        let Some(&(first, _, _)) = self.unsent.values.first() else {
            return Ok(());
        };
        let last = self.unsent.values.last().map_or(first, |v| v.0);
        let what = || self.what(&format!("writing records {first}..={last}"));
        let mut client = lock(&self.client);
        let copy = self.prepared(
            &mut client,
            &self.statements.copy,
            COPY_EVENTS,
            "preparing the COPY of records",
        )?;
        let mut sink = client
            .copy_in(&copy)
            .map_err(|e| StoreError::pg(what(), e))?;
        for part in [COPY_HEADER, self.unsent.rows.as_slice(), COPY_TRAILER] {
            sink.write_all(part).map_err(|source| StoreError::Io {
                what: what(),
                source,
            })?;
        }
        sink.finish().map_err(|e| StoreError::pg(what(), e))?;
        drop(client);
        self.unsent.clear();
        Ok(())
    }

    /// The commit point: the stream versions and the head written, the transaction
    /// committed. A failed COMMIT leaves it unknown whether it landed: reported as not
    /// applied, and the next write of this handle (or any other) reads the truth under the lock.
    pub(super) fn finish_commit(
        &mut self,
        versions: &HashMap<String, u64>,
        head: &Head,
        first: u64,
    ) -> Result<(), CommitFailure> {
        let fail = |error| CommitFailure {
            applied: false,
            error,
        };
        let result = (|| {
            self.send_records()?;
            let sql = finish_sql(versions, head)?;
            let what = format!(
                "writing the versions of {} streams, moving the head and committing records {first}..={} \
                 (whether they were recorded is unknown until the store is read again)",
                versions.len(),
                head.seq
            );
            lock(&self.client)
                .simple_query(&sql)
                .map(drop)
                .map_err(|e| StoreError::pg(self.what(&what), e))
        })();
        // After COMMIT (or its failure) no transaction is open; after an earlier failure the
        // rollback ends the aborted one.
        if result.is_err() {
            self.rollback();
        }
        self.in_txn = false;
        self.staged = None;
        result.map_err(fail)
    }
}

/// The commit point of a write, as one query (one round trip to the server): every stream
/// version the write moves (one upsert, however many streams), the head, a check that the
/// one head row moved, and COMMIT. Values go in as literals (the simple protocol takes no
/// parameters): numbers, the hash in hex, and the stream names as escaped strings.
fn finish_sql(versions: &HashMap<String, u64>, head: &Head) -> Result<String, StoreError> {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(256 + versions.len() * 40);
    sql.push_str("WITH ");
    if !versions.is_empty() {
        sql.push_str("versions AS (INSERT INTO streams (stream, version) VALUES ");
        for (i, (stream, version)) in versions.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let _ = write!(
                sql,
                "({}, {})",
                text_literal(stream),
                to_i64(*version, "version")?
            );
        }
        sql.push_str(" ON CONFLICT (stream) DO UPDATE SET version = EXCLUDED.version), ");
    }
    let _ = write!(
        sql,
        "moved AS (UPDATE log_head SET seq = {}, hash = decode('{}', 'hex') RETURNING 1) {HEAD_MOVED_ONCE}; COMMIT",
        to_i64(head.seq, "position")?,
        hex::encode(head.hash)
    );
    Ok(sql)
}

/// `text` as an SQL string literal that reads the same whatever the server's
/// `standard_conforming_strings` (an escape string: backslashes and quotes doubled).
fn text_literal(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}
