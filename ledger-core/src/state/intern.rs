//! Interned names: each distinct name stored once, found by a small number.
//!
//! A decade of a large factory has about a million verification lists, each named by its list
//! number. A `HashMap<Box<str>, u32>` beside a `Vec<Box<str>>` holds each name twice on the
//! heap, with a 32-byte allocation apiece, and the map at a 25-byte bucket: some 120 bytes a
//! name. Here the names sit back to back in one string, with their end offsets and a table of
//! 4-byte numbers at most half full, a tag byte beside each: about 28 bytes a name of 14
//! characters.

/// An empty slot of the table.
const EMPTY: u32 = 0;

#[derive(Debug, Clone)]
pub struct Interner {
    /// Every name, back to back, in the order interned.
    bytes: String,
    /// Where name `i` ends in `bytes` (it starts where name `i - 1` ends).
    ends: Vec<u32>,
    /// Open addressing with linear probing: a slot holds a name's number plus one, or
    /// `EMPTY`. A power of two long, at least twice the names held.
    slots: Vec<u32>,
    /// Beside each slot, a byte of the hash of the name it holds: a probe passes a slot of
    /// another name without reading that name (two cache misses, its end and its bytes, on
    /// nearly every new name of a replay). Worked out from the names, not saved.
    tags: Vec<u8>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            bytes: String::new(),
            ends: Vec::new(),
            slots: vec![EMPTY; 16],
            tags: vec![0; 16],
        }
    }
}

/// Where a name's probe starts in a table, and its tag.
#[derive(Clone, Copy)]
struct Home {
    at: usize,
    tag: u8,
}

impl Interner {
    /// How many names are held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The name numbered `n`.
    pub fn name(&self, n: u32) -> Option<&str> {
        let i = n as usize;
        let end = *self.ends.get(i)? as usize;
        let start = match i.checked_sub(1) {
            Some(prev) => *self.ends.get(prev)? as usize,
            None => 0,
        };
        self.bytes.get(start..end)
    }

    /// The number of `name`, if it is held.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.find(name).ok()
    }

    /// The number of `name` (`Ok`), or the empty slot of the table where it would go (`Err`):
    /// one probe serves both the look-up and the placing of a new name.
    fn find(&self, name: &str) -> Result<u32, Option<usize>> {
        // The lines of a list come one after another: a list's second and later lines ask for
        // the name interned last, whose bytes end the string (in the cache), without a probe
        // of the table (a cache miss, then another to compare the name found there).
        if let Some(last) = self.ends.len().checked_sub(1) {
            if let Ok(last) = u32::try_from(last) {
                if self.name(last) == Some(name) {
                    return Ok(last);
                }
            }
        }
        let mask = self.slots.len() - 1;
        let Home { mut at, tag } = home(name, mask);
        loop {
            let Some(&slot) = self.slots.get(at) else {
                return Err(None);
            };
            if slot == EMPTY {
                return Err(Some(at));
            }
            if self.tags.get(at) == Some(&tag) && self.name(slot - 1) == Some(name) {
                return Ok(slot - 1);
            }
            at = (at + 1) & mask;
        }
    }

    /// The number of `name`, interning it if new; `None` once the names would pass 4 GiB or
    /// 2^32 - 2 of them.
    pub fn intern(&mut self, name: &str) -> Option<u32> {
        let empty = match self.find(name) {
            Ok(n) => return Some(n),
            Err(empty) => empty,
        };
        let n = u32::try_from(self.ends.len()).ok()?;
        let end = u32::try_from(self.bytes.len().checked_add(name.len())?).ok()?;
        n.checked_add(2)?; // `n + 1` must be a slot value other than EMPTY, with room for one more
        let grows = (self.ends.len() + 1) * 2 > self.slots.len();
        if grows {
            self.grow();
        }
        self.bytes.push_str(name);
        self.ends.push(end);
        match empty {
            // The slot the look-up ended on is where `place` would put the name: the first
            // empty one of its probe (the table did not change in between).
            Some(at) if !grows => {
                self.slots[at] = n + 1;
                self.tags[at] = home(name, self.slots.len() - 1).tag;
            }
            _ => self.place(name, n + 1),
        }
        Some(n)
    }

    fn place(&mut self, name: &str, slot: u32) {
        let mask = self.slots.len() - 1;
        let Home { mut at, tag } = home(name, mask);
        while self.slots[at] != EMPTY {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
        self.tags[at] = tag;
    }

    /// Doubles the table and places every name again.
    fn grow(&mut self) {
        let mut slots = vec![EMPTY; self.slots.len() * 2];
        let mut tags = vec![0; slots.len()];
        let mask = slots.len() - 1;
        let mut start = 0usize;
        for (i, end) in self.ends.iter().enumerate() {
            let end = *end as usize;
            let name = self.bytes.get(start..end).unwrap_or_default();
            let Home { mut at, tag } = home(name, mask);
            while slots[at] != EMPTY {
                at = (at + 1) & mask;
            }
            // `i` fits: `intern` keeps the count under u32::MAX - 1.
            slots[at] = i as u32 + 1;
            tags[at] = tag;
            start = end;
        }
        self.slots = slots;
        self.tags = tags;
    }

    /// The tags of a table read back: the name each slot holds hashed again.
    fn tags_of(&self) -> Vec<u8> {
        let mask = self.slots.len().wrapping_sub(1);
        self.slots
            .iter()
            .map(
                |&slot| match slot.checked_sub(1).and_then(|n| self.name(n)) {
                    Some(name) => home(name, mask).tag,
                    None => 0,
                },
            )
            .collect()
    }
}

/// The first slot to try for `name`: the same on every run, and list numbers that differ in a
/// digit or two spread well (see `fast_hash`); and its tag, the hash's top byte (apart from the
/// low bits the slot is chosen by).
fn home(name: &str, mask: usize) -> Home {
    let h = crate::state::fast_hash::bytes(name.as_bytes());
    Home {
        at: (h as usize) & mask,
        tag: (h >> 56) as u8,
    }
}

impl Interner {
    /// The names, their ends and the table as they are (the snapshot: no name hashed again).
    pub(crate) fn write_snapshot(&self, w: &mut crate::state::snapshot::wire::Writer) {
        w.str(&self.bytes);
        w.u32s(&self.ends);
        w.u32s(&self.slots);
    }

    /// Reads what `write_snapshot` wrote, checking that the table can be probed (a power of
    /// two, at least twice the names, each name once) and every name lies on the string.
    pub(crate) fn read_snapshot(
        r: &mut crate::state::snapshot::wire::Reader<'_>,
    ) -> Result<Self, crate::state::snapshot::SnapshotError> {
        use crate::state::snapshot::SnapshotError::Invalid;
        let bytes = r.str()?;
        let ends = r.u32s()?;
        let slots = r.u32s()?;
        if !slots.len().is_power_of_two() || ends.len() * 2 > slots.len() {
            return Err(Invalid("an interner's table size"));
        }
        let mut start = 0usize;
        for end in &ends {
            let end = *end as usize;
            if end < start || bytes.get(start..end).is_none() {
                return Err(Invalid("an interned name's bounds"));
            }
            start = end;
        }
        if start != bytes.len() {
            return Err(Invalid("an interner's text length"));
        }
        let held = slots.iter().filter(|s| **s != EMPTY).count();
        if held != ends.len() || slots.iter().any(|s| *s as usize > ends.len()) {
            return Err(Invalid("an interner's table"));
        }
        let mut interner = Interner {
            bytes,
            ends,
            slots,
            tags: Vec::new(),
        };
        interner.tags = interner.tags_of();
        Ok(interner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn each_name_once_and_back_by_number() {
        let mut names = Interner::default();
        for i in 0..5_000 {
            let n = names.intern(&format!("QD2024{i:06}")).expect("room");
            assert_eq!(n, i);
        }
        assert_eq!(names.intern("QD2024000042"), Some(42));
        assert_eq!(names.len(), 5_000);
        assert_eq!(names.name(42), Some("QD2024000042"));
        assert_eq!(names.get("QD2024999999"), None);
        // The name interned last is found first; a name it begins with, or that begins with
        // it, is another name.
        assert_eq!(names.get("QD2024004999"), Some(4_999));
        assert_eq!(names.get("QD202400499"), None);
        assert_eq!(names.get("QD20240049990"), None);
        assert_eq!(names.intern("QD2024004999"), Some(4_999));
        assert_eq!(names.name(5_000), None);
        // The empty name is a name like any other.
        assert_eq!(names.intern(""), Some(5_000));
        assert_eq!(names.name(5_000), Some(""));
        assert_eq!(names.get(""), Some(5_000));
    }

    #[test]
    fn a_table_read_back_finds_and_places_as_the_one_written() {
        use crate::state::snapshot::wire::{Reader, Writer};
        let mut names = Interner::default();
        for i in 0..300 {
            names.intern(&format!("L{i}")).expect("room");
        }
        let mut w = Writer::default();
        names.write_snapshot(&mut w);
        let bytes = w.buf;
        let mut source: &[u8] = &bytes;
        let mut r = Reader::new(&mut source, bytes.len() as u64);
        let mut back = Interner::read_snapshot(&mut r).expect("read back");
        assert_eq!(back.tags, names.tags, "the tags worked out again");
        for i in 0..300 {
            assert_eq!(back.get(&format!("L{i}")), Some(i), "L{i}");
        }
        for i in 300..400 {
            let name = format!("L{i}");
            assert_eq!(back.intern(&name), names.intern(&name));
        }
        assert_eq!((back.slots, back.tags), (names.slots, names.tags));
    }

    proptest::proptest! {
        /// Numbers names as a `HashMap` that counts them in order would.
        #[test]
        fn numbers_as_a_map_would(names in proptest::collection::vec("[a-c]{0,3}", 0..200)) {
            let mut interner = Interner::default();
            let mut model: HashMap<String, u32> = HashMap::new();
            for name in &names {
                let next = model.len() as u32;
                let want = *model.entry(name.clone()).or_insert(next);
                proptest::prop_assert_eq!(interner.intern(name), Some(want));
            }
            for (name, n) in &model {
                proptest::prop_assert_eq!(interner.get(name), Some(*n));
                proptest::prop_assert_eq!(interner.name(*n), Some(name.as_str()));
            }
        }
    }
}
