//! The id index: event id → global position, for idempotency (an event stored twice is
//! stored once) and for `verify`.
//!
//! Every record's id is kept once, in log order (`by_seq[i]` is the id of record `i + 1`), and
//! a hash table of positions into that list finds an id. The table holds 4-byte positions at
//! most half full: 16 + 8 bytes per record, where a `HashMap<Uuid, u64>` takes about 50 at
//! the same load — 24 MB instead of 52 at a million events (docs/PERFORMANCE.md).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use uuid::Uuid;

use crate::error::StoreError;

/// The most records the index can hold: positions are 4 bytes.
pub const MAX_RECORDS: u64 = u32::MAX as u64 - 1;

/// An empty slot of the table.
const EMPTY: u32 = 0;

#[derive(Debug, Clone)]
pub(crate) struct IdIndex {
    /// The id of record `i + 1` at `i`.
    by_seq: Vec<Uuid>,
    /// Open addressing with linear probing; a slot holds a position in `by_seq` plus one, or
    /// `EMPTY`. Its length is a power of two, at least twice the ids held.
    slots: Vec<u32>,
    /// Keyed: ids come from clients, and a chosen set of them must not make lookups slow.
    hasher: RandomState,
}

impl Default for IdIndex {
    fn default() -> Self {
        IdIndex::with_capacity(0)
    }
}

impl IdIndex {
    /// An empty index with room for `n` ids before it grows.
    pub fn with_capacity(n: usize) -> Self {
        IdIndex {
            by_seq: Vec::with_capacity(n),
            slots: vec![EMPTY; slots_for(n)],
            hasher: RandomState::new(),
        }
    }

    /// How many ids the index holds: the records of the log.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// The position of the record with this id.
    pub fn get(&self, id: &Uuid) -> Option<u64> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(id, mask);
        loop {
            let slot = *self.slots.get(at)?;
            if slot == EMPTY {
                return None;
            }
            let pos = (slot - 1) as usize;
            if self.by_seq.get(pos) == Some(id) {
                return Some(pos as u64 + 1);
            }
            at = (at + 1) & mask;
        }
    }

    /// Whether a record has this id.
    pub fn contains(&self, id: &Uuid) -> bool {
        self.get(id).is_some()
    }

    /// The id of record `seq`.
    pub fn id_at(&self, seq: u64) -> Option<Uuid> {
        let i = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.by_seq.get(i).copied()
    }

    /// Adds the id of the next record (`len() + 1`). An id already held is refused with the
    /// record that holds it, and nothing changes.
    pub fn push(&mut self, id: Uuid) -> Result<(), PushError> {
        let seq = self.by_seq.len() as u64 + 1;
        if seq > MAX_RECORDS {
            return Err(PushError::Full);
        }
        if let Some(other) = self.get(&id) {
            return Err(PushError::Duplicate { other });
        }
        if (self.by_seq.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.by_seq.push(id);
        // `seq` fits: it is at most MAX_RECORDS.
        self.place(id, seq as u32);
        Ok(())
    }

    fn home(&self, id: &Uuid, mask: usize) -> usize {
        (self.hasher.hash_one(id) as usize) & mask
    }

    fn place(&mut self, id: Uuid, slot: u32) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(&id, mask);
        while self.slots[at] != EMPTY {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }

    /// Doubles the table and places every id again.
    fn grow(&mut self) {
        self.slots = vec![EMPTY; self.slots.len() * 2];
        for i in 0..self.by_seq.len() {
            let id = self.by_seq[i];
            self.place(id, i as u32 + 1);
        }
    }
}

/// Why an id could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushError {
    /// Record `other` already has the id.
    Duplicate { other: u64 },
    /// The log holds `MAX_RECORDS` records.
    Full,
}

impl PushError {
    /// As a store error about record `seq`.
    pub fn at(self, seq: u64, id: Uuid) -> StoreError {
        match self {
            PushError::Duplicate { other } => StoreError::corrupt(
                seq,
                format!("the id index lists event id {id} for records {other} and {seq}"),
            ),
            PushError::Full => StoreError::invalid(format!(
                "the log holds {MAX_RECORDS} records, the most one store can hold; start a new store"
            )),
        }
    }
}

/// Table length for `n` ids: a power of two, at least twice `n` (and at least 16).
fn slots_for(n: usize) -> usize {
    n.saturating_mul(2).max(16).next_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn finds_every_id_by_position_and_position_by_id() {
        let mut index = IdIndex::with_capacity(3);
        for n in 1..=1000u128 {
            // Ids that differ only in their low bits, and only in their high bits.
            let id = if n % 2 == 0 { id(n) } else { id(n << 100) };
            index.push(id).expect("new id");
        }
        assert_eq!(index.len(), 1000);
        for seq in 1..=1000u64 {
            let id = index.id_at(seq).expect("held");
            assert_eq!(index.get(&id), Some(seq));
        }
        assert_eq!(index.get(&id(u128::MAX)), None);
        assert_eq!(index.id_at(0), None);
        assert_eq!(index.id_at(1001), None);
        assert!(index.slots.len() >= 2000);
    }

    #[test]
    fn refuses_an_id_already_held_and_stays_as_it_was() {
        let mut index = IdIndex::default();
        index.push(id(7)).expect("new");
        index.push(id(8)).expect("new");
        assert_eq!(index.push(id(7)), Err(PushError::Duplicate { other: 1 }));
        assert_eq!(index.len(), 2);
        assert_eq!(index.get(&id(8)), Some(2));
        let e = PushError::Duplicate { other: 1 }.at(3, id(7)).to_string();
        assert!(e.contains("records 1 and 3"), "{e}");
    }

    proptest::proptest! {
        /// Answers as a `HashMap` of the same ids would.
        #[test]
        fn answers_as_a_hash_map(ids in proptest::collection::vec(0u128..64, 0..200)) {
            let mut index = IdIndex::default();
            let mut model: HashMap<Uuid, u64> = HashMap::new();
            for n in ids {
                let result = index.push(id(n));
                match model.get(&id(n)) {
                    Some(&other) => proptest::prop_assert_eq!(result, Err(PushError::Duplicate { other })),
                    None => {
                        proptest::prop_assert!(result.is_ok());
                        model.insert(id(n), model.len() as u64 + 1);
                    }
                }
            }
            for n in 0..70u128 {
                proptest::prop_assert_eq!(index.get(&id(n)), model.get(&id(n)).copied());
            }
        }
    }
}
