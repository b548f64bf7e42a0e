//! A streamed append (`EventLog::append_stream`): each event checked and made into its record
//! as it arrives, the records staged past the head in small batches, and all of them made part
//! of the log at `Streamed::Commit` — or abandoned.

use super::*;

impl<B: Backend> Engine<B> {
    /// `EventLog::append_stream`: each event checked and made into its record as it arrives,
    /// the records handed to the backend `STAGE_RECORDS` at a time, and all of them made part
    /// of the log at `Streamed::Commit`; abandoned (`Backend::abandon`) on any error or when
    /// the items end without the commit.
    pub fn append_stream(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
        spent: &mut dyn FnMut(NewEvent),
    ) -> Result<AppendOutcome, StoreError> {
        let staged = match self.stage_stream(expected, events, spent) {
            Ok(staged) => staged,
            Err(e) => {
                self.backend.abandon();
                return Err(e);
            }
        };
        let StreamState {
            head,
            ids,
            versions,
            duplicates,
            ..
        } = staged;
        if ids.is_empty() {
            return Ok(AppendOutcome {
                appended: 0,
                duplicates,
                head: self.head,
            });
        }
        let commit = StagedCommit {
            ids,
            versions,
            head,
        };
        if let Err(e) = check_room(&commit.head) {
            self.backend.abandon();
            return Err(e);
        }
        let result = self.backend.commit_staged(&commit);
        if applied(&result) {
            self.versions.extend(commit.versions);
            self.head = commit.head;
            index_ids(&mut self.ids, commit.ids.iter().copied())?;
        } else {
            self.backend.abandon();
        }
        result.map_err(|f| f.error)?;
        Ok(AppendOutcome {
            appended: commit.ids.len() as u64,
            duplicates,
            head,
        })
    }

    /// The checking and staging part of `append_stream`, up to `Streamed::Commit`.
    fn stage_stream(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
        spent: &mut dyn FnMut(NewEvent),
    ) -> Result<StreamState, StoreError> {
        let mut s = StreamState {
            head: self.head,
            pending: Vec::with_capacity(STAGE_RECORDS),
            ids: Vec::new(),
            in_stream: HashMap::new(),
            versions: HashMap::new(),
            duplicated_streams: BTreeSet::new(),
            duplicates: 0,
            count: 0,
            payload_bytes: 0,
        };
        loop {
            let mut ev = match events.next() {
                None => return Err(StoreError::Abandoned),
                Some(Streamed::Commit) => break,
                Some(Streamed::Event(ev)) => ev,
            };
            s.count += 1;
            if s.count > MAX_BATCH_EVENTS {
                return Err(StoreError::invalid(format!(
                    "the append carries more than {MAX_BATCH_EVENTS} events; the limit is {MAX_BATCH_EVENTS} per call, so split it"
                )));
            }
            s.payload_bytes = s.payload_bytes.saturating_add(ev.payload.len());
            if s.payload_bytes > MAX_BATCH_PAYLOAD_BYTES {
                return Err(StoreError::invalid(format!(
                    "the batch's payloads add up to more than {MAX_BATCH_PAYLOAD_BYTES} bytes (reached at event {}); split it into smaller batches",
                    s.count
                )));
            }
            let payload = check_new_event(&mut ev).map_err(|w| {
                StoreError::invalid(format!(
                    "event {} of the batch (id {}): {w}",
                    s.count, ev.id
                ))
            })?;

            // Idempotency: an event already stored, or already earlier in this append.
            let earlier = match self.ids()?.get(&ev.id) {
                Some(seq) => Some((seq, self.load(seq)?)),
                None => match s.in_stream.get(&ev.id) {
                    Some(&seq) => Some((seq, self.load_staged(seq, &s.pending)?)),
                    None => None,
                },
            };
            if let Some((seq, first)) = earlier {
                if same_event(&first, &ev, &payload) {
                    s.duplicates += 1;
                    if !s.duplicated_streams.contains(&ev.stream) {
                        s.duplicated_streams.insert(ev.stream.clone());
                    }
                    ev.payload = Payload::from(payload.into_bytes());
                    spent(ev);
                    continue;
                }
                return Err(StoreError::IdConflict { id: ev.id, seq });
            }

            let stream_seq = match s.versions.get(&ev.stream) {
                Some(version) => version + 1,
                None => {
                    check_expected(expected, &ev.stream, self.stream_version(&ev.stream))?;
                    self.stream_version(&ev.stream) + 1
                }
            };
            let (seq, id, value) = seal(&mut s.head, stream_seq, &ev, &payload, &mut s.versions)?;
            ev.payload = Payload::from(payload.into_bytes());
            spent(ev);
            s.in_stream.insert(id, seq);
            s.ids.push((seq, id));
            s.pending.push((seq, id, value));
            if s.pending.len() >= STAGE_RECORDS {
                self.backend.stage(&s.pending)?;
                s.pending.clear();
            }
        }

        // A stream touched only by duplicates is checked now, as `append` would, unless the
        // whole append was made of duplicates: a retry of a write that succeeded.
        let is_pure_retry = s.ids.is_empty() && s.duplicates > 0;
        if !is_pure_retry {
            for stream in &s.duplicated_streams {
                if !s.versions.contains_key(stream) {
                    check_expected(expected, stream, self.stream_version(stream))?;
                }
            }
        }
        if !s.pending.is_empty() {
            self.backend.stage(&s.pending)?;
            s.pending.clear();
        }
        Ok(s)
    }

    /// A record this streamed append made: still in `pending`, or already staged.
    fn load_staged(
        &self,
        seq: u64,
        pending: &[(u64, Uuid, Vec<u8>)],
    ) -> Result<Record, StoreError> {
        if let Some((_, _, value)) = pending
            .first()
            .and_then(|(first, _, _)| seq.checked_sub(*first))
            .and_then(|i| pending.get(usize::try_from(i).ok()?))
        {
            // Made by this append a moment ago and still in memory: decoded, not re-hashed.
            let (_, canonical) = unframe(value).map_err(|w| StoreError::corrupt(seq, w))?;
            return decode(canonical).map_err(|w| StoreError::corrupt(seq, w));
        }
        let value = self
            .backend
            .get(seq)?
            .ok_or_else(|| StoreError::corrupt(seq, "a record staged by this append is missing"))?;
        Ok(open_value(seq, &value)?.1)
    }
}

/// What a streamed append has made so far.
struct StreamState {
    /// The head the records made so far lead to.
    head: Head,
    /// Records made but not yet staged.
    pending: Vec<(u64, Uuid, Vec<u8>)>,
    /// `(global_seq, id)` of every record made, in order.
    ids: Vec<(u64, Uuid)>,
    /// Event id → global_seq, for the records made.
    in_stream: HashMap<Uuid, u64>,
    /// New versions of the streams the records touch.
    versions: HashMap<String, u64>,
    /// Streams of the events skipped as duplicates (ordered: the first stale one is named).
    duplicated_streams: BTreeSet<String>,
    duplicates: u64,
    /// Events received.
    count: usize,
    payload_bytes: usize,
}
