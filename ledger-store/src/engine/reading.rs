//! Reading the log back: a record by position, scans in order (each record re-hashed and its
//! link to the one before checked as it is read), and `verify`, the whole chain.

use super::*;

impl<B: Backend> Engine<B> {
    /// Loads and checks one record.
    pub(super) fn load(&self, seq: u64) -> Result<Record, StoreError> {
        let value = self.backend.get(seq)?.ok_or_else(|| {
            StoreError::corrupt(
                seq,
                "the record is missing although the id index points at it",
            )
        })?;
        Ok(open_value(seq, &value)?.1)
    }

    pub fn scan(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        self.scan_as(from)
    }

    /// `scan`, handing out each record as `T`.
    pub fn scan_as<T: FromChecked + 'static>(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<T, StoreError>> + '_> {
        let from = from.max(1);
        if from > self.head.seq {
            return Box::new(std::iter::empty());
        }
        let prev = if from == 1 {
            Ok(GENESIS_HASH)
        } else {
            self.backend.get(from - 1).and_then(|v| match v {
                Some(v) => Ok(open_value(from - 1, &v)?.0),
                None => Err(StoreError::corrupt(from - 1, "the record is missing")),
            })
        };
        match prev {
            Err(e) => Box::new(std::iter::once(Err(e))),
            Ok(prev) => Box::new(Scan::<T> {
                values: self.backend.values_from(from),
                next: from,
                last: self.head.seq,
                prev,
                out: PhantomData,
                done: false,
            }),
        }
    }

    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let head = self.head;
        let ids = self.ids()?;
        let mut next = 1u64;
        let mut prev = GENESIS_HASH;
        let mut versions: HashMap<String, (u64, u64)> = HashMap::new(); // stream → (version, last seq)
        for item in self.backend.values_from(1) {
            let (key, value) = item?;
            if key != next || next > head.seq {
                return Err(if next <= head.seq {
                    StoreError::corrupt(
                        next,
                        format!("the record is missing (the next stored record is {key})"),
                    )
                } else {
                    StoreError::corrupt(
                        key,
                        format!(
                            "a record is stored past the head (the head is record {})",
                            head.seq
                        ),
                    )
                });
            }
            // Read in place: a verify reads every record, and copying out its five text
            // fields was five allocations each.
            let (hash, record) = open_value_ref(key, &value)?;
            if record.prev_hash != prev {
                return Err(StoreError::corrupt(
                    key,
                    format!(
                        "prev_hash {} does not link to record {}'s hash {}",
                        hex::encode(record.prev_hash),
                        key - 1,
                        hex::encode(prev)
                    ),
                ));
            }
            let entry = match versions.get_mut(record.stream) {
                Some(entry) => entry,
                None => versions.entry(record.stream.to_string()).or_insert((0, 0)),
            };
            if record.stream_seq != entry.0 + 1 {
                return Err(StoreError::corrupt(
                    key,
                    format!(
                        "stream {:?} jumps from stream_seq {} to {}",
                        record.stream, entry.0, record.stream_seq
                    ),
                ));
            }
            *entry = (record.stream_seq, key);
            // The index is in log order: the record's own entry must be this id, and the id
            // must not be found at an earlier record.
            match ids.get(&record.id) {
                Some(other) if other < key => {
                    return Err(StoreError::corrupt(
                        key,
                        format!("event id {} was already used by record {other}", record.id),
                    ));
                }
                _ if ids.id_at(key) != Some(record.id) => {
                    return Err(StoreError::corrupt(
                        key,
                        format!(
                            "the id index does not map event id {} to this record",
                            record.id
                        ),
                    ));
                }
                _ => {}
            }
            prev = hash;
            next += 1;
        }
        if next <= head.seq {
            return Err(StoreError::corrupt(next, "the record is missing"));
        }
        if prev != head.hash {
            return Err(StoreError::corrupt(
                head.seq,
                format!(
                    "the head says hash {} but the last record's hash is {}",
                    hex::encode(head.hash),
                    hex::encode(prev)
                ),
            ));
        }
        if ids.len() as u64 != head.seq {
            return Err(StoreError::corrupt(
                head.seq + 1,
                format!(
                    "the id index holds {} entries but the log has {} records",
                    ids.len(),
                    head.seq
                ),
            ));
        }
        let mut stale: Vec<(u64, String)> = Vec::new();
        for (stream, held) in &self.versions {
            let (actual, last) = versions.get(stream).copied().unwrap_or((0, 0));
            if *held != actual {
                stale.push((
                    last,
                    format!(
                        "stream {stream:?} is recorded at version {held} but holds {actual} events"
                    ),
                ));
            }
        }
        for (stream, (actual, last)) in &versions {
            if !self.versions.contains_key(stream) {
                stale.push((
                    *last,
                    format!("stream {stream:?} holds {actual} events but has no recorded version"),
                ));
            }
        }
        if let Some((seq, what)) = stale.into_iter().min() {
            return Err(StoreError::corrupt(seq, what));
        }
        Ok(VerifyReport {
            events: head.seq,
            head,
        })
    }
}

/// What a scan hands out for each record, once checked: made from the record read in place
/// from its stored bytes.
pub(crate) trait FromChecked: Sized {
    fn checked(hash: &Hash, record: RecordRef<'_>) -> Self;
}

impl FromChecked for StoredEvent {
    fn checked(hash: &Hash, record: RecordRef<'_>) -> Self {
        record.to_owned().into_stored(hash)
    }
}

impl FromChecked for ReplayRecord {
    fn checked(hash: &Hash, record: RecordRef<'_>) -> Self {
        ReplayRecord::of(hash, &record)
    }
}

/// Reads records in order, checking each one's position, hash and link before handing it out.
struct Scan<'a, T> {
    values: ValueIter<'a>,
    next: u64,
    last: u64,
    prev: Hash,
    done: bool,
    out: PhantomData<fn() -> T>,
}

impl<T: FromChecked> Scan<'_, T> {
    fn step(&mut self) -> Option<Result<T, StoreError>> {
        if self.next > self.last {
            return None;
        }
        let seq = self.next;
        let (key, value) = match self.values.next() {
            None => return Some(Err(StoreError::corrupt(seq, "the record is missing"))),
            Some(Err(e)) => return Some(Err(e)),
            Some(Ok(kv)) => kv,
        };
        if key != seq {
            return Some(Err(StoreError::corrupt(
                seq,
                format!("the record is missing (the next stored record is {key})"),
            )));
        }
        let out = {
            let (hash, record) = match open_value_ref(seq, &value) {
                Ok(x) => x,
                Err(e) => return Some(Err(e)),
            };
            if record.prev_hash != self.prev {
                return Some(Err(StoreError::corrupt(
                    seq,
                    format!(
                        "prev_hash {} does not link to record {}'s hash {}",
                        hex::encode(record.prev_hash),
                        seq - 1,
                        hex::encode(self.prev)
                    ),
                )));
            }
            self.prev = hash;
            T::checked(&hash, record)
        };
        self.next += 1;
        Some(Ok(out))
    }
}

impl<T: FromChecked> Iterator for Scan<'_, T> {
    type Item = Result<T, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
