//! A book's lines in the snapshot (`state::snapshot`), in two parts: the lines kept whole
//! (their fields and effects as the log's JSON), the list numbers, the months of
//! deep-processing carry-overs and the finished goods per month — what reports read
//! (`Part::Kept`); and the compact records — the index, the records and effects in their
//! chunks — which only a new recording is checked against (`Part::Records`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{
    Interner, LineId, LineMap, LineRec, LineStore, PackedEffect, RecordedLine, CHUNK, COLUMNS,
    GOODS,
};
use crate::events::{Effect, Target};
use crate::model::ids::ItemNo;
use crate::state::finished::FinishedMonths;
use crate::state::snapshot::wire::{code_of, from_code, Reader, Writer};
use crate::state::snapshot::SnapshotError;

fn write_opt_dec(w: &mut Writer, d: Option<Decimal>) {
    match d {
        None => w.u8(0),
        Some(d) => {
            w.u8(1);
            w.dec(d);
        }
    }
}

fn read_opt_dec(r: &mut Reader<'_>) -> Result<Option<Decimal>, SnapshotError> {
    match r.u8()? {
        0 => Ok(None),
        1 => r.dec().map(Some),
        _ => Err(SnapshotError::Invalid("an optional decimal's mark")),
    }
}

/// A whole line's effects: per effect its kind (0 material, 1 scrap, 2 subcontractor), the
/// column or goods kind, the item and the quantity in as few bytes as they need (a finished
/// good's line moves a dozen materials: JSON took about 60 bytes an effect, this 6–10).
fn write_effects(w: &mut Writer, effects: &[Effect]) {
    w.len(effects.len());
    for e in effects {
        match &e.target {
            Target::Material { item, column } => {
                w.u8(0);
                w.u8(code_of(&COLUMNS, column));
                w.varint(u128::from(item.0));
            }
            Target::Scrap { item } => {
                w.u8(1);
                w.varint(u128::from(item.0));
            }
            Target::Subcontractor { name, goods, item } => {
                w.u8(2);
                w.str(name);
                w.u8(code_of(&GOODS, goods));
                w.varint(u128::from(item.0));
            }
        }
        w.dec_small(e.qty);
    }
}

fn read_effects(r: &mut Reader<'_>) -> Result<Vec<Effect>, SnapshotError> {
    let n = r.len(4)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let target = match r.u8()? {
            0 => {
                let column = from_code(&COLUMNS, r.u8()?, "a column")?;
                Target::Material {
                    item: ItemNo(r.varint_u32()?),
                    column,
                }
            }
            1 => Target::Scrap {
                item: ItemNo(r.varint_u32()?),
            },
            2 => {
                let name = r.str()?;
                let goods = from_code(&GOODS, r.u8()?, "a kind of goods")?;
                Target::Subcontractor {
                    name,
                    goods,
                    item: ItemNo(r.varint_u32()?),
                }
            }
            _ => return Err(SnapshotError::Invalid("an effect's kind")),
        };
        out.push(Effect {
            target,
            qty: r.dec_small()?,
        });
    }
    Ok(out)
}

/// Chunks of at most `CHUNK` entries, each allocated at its full size as the store does.
fn read_chunks<T>(
    r: &mut Reader<'_>,
    min_bytes: usize,
    mut one: impl FnMut(&mut Reader<'_>) -> Result<T, SnapshotError>,
) -> Result<Vec<Vec<T>>, SnapshotError> {
    let chunks = r.len(8)?;
    let mut out = Vec::with_capacity(chunks);
    for _ in 0..chunks {
        let n = r.len(min_bytes)?;
        if n > CHUNK {
            return Err(SnapshotError::Invalid("a chunk longer than a chunk"));
        }
        let mut chunk = Vec::with_capacity(CHUNK);
        for _ in 0..n {
            chunk.push(one(r)?);
        }
        out.push(chunk);
    }
    Ok(out)
}

impl LineStore {
    /// The lines kept whole, the list numbers, the deep-processing months and the finished
    /// goods per month (`Part::Kept`).
    pub(crate) fn write_kept(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        let mut whole: Vec<(&LineId, &RecordedLine)> = self.whole.iter().collect();
        whole.sort_unstable_by_key(|(id, _)| **id);
        w.len(whole.len());
        for (id, l) in whole {
            w.u32(id.ref_id);
            w.u32(id.line);
            w.uuid(&l.event_id);
            crate::state::line_codec::write_line(w, &l.line)?;
            w.u32(l.item.0);
            write_effects(w, &l.effects);
            write_opt_dec(w, l.cif);
            write_opt_dec(w, l.cif_usd);
            match l.cap_cycle {
                None => w.u8(0),
                Some(c) => {
                    w.u8(1);
                    w.i64(c);
                }
            }
        }
        w.len(self.deep_months.len());
        for (p, n) in &self.deep_months {
            w.json(p)?;
            w.u32(*n);
        }
        self.finished.write_snapshot(w);
        Ok(())
    }

    /// The compact records (`Part::Records`).
    pub(crate) fn write_records(&self, w: &mut Writer) {
        self.refs.write_snapshot(w);
        // Maps in key order: the same state always gives the same bytes.
        let mut index: Vec<(&LineId, &u32)> = self.index.iter().collect();
        index.sort_unstable();
        w.len(index.len());
        for (id, slot) in index {
            w.u32(id.ref_id);
            w.u32(id.line);
            w.u32(*slot);
        }
        w.len(self.recs.len());
        for chunk in &self.recs {
            w.len(chunk.len());
            for r in chunk {
                w.uuid(&r.event_id);
                w.buf.extend_from_slice(&r.fingerprint);
                w.dec(r.figure);
                w.date(r.date);
                w.u32(r.item.0);
                w.u32(r.effects_at);
                w.i32(r.cap_cycle);
                w.u16(r.effects_len);
                w.u8(r.flags);
            }
        }
        w.u32s(&self.free);
        w.len(self.effects.len());
        for chunk in &self.effects {
            w.len(chunk.len());
            for e in chunk {
                w.dec(e.qty);
                w.u32(e.item.0);
                w.u16(e.name);
                w.u8(e.kind);
                w.u8(e.code);
            }
        }
        w.len(self.subcontractors.len());
        for s in &self.subcontractors {
            w.str(s);
        }
    }

    /// A book's lines as `write_kept` saved them: the records missing until `read_records`.
    pub(crate) fn read_kept(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let n = r.len(8)?;
        let mut whole = LineMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            let id = LineId::new(r.u32()?, r.u32()?);
            let event_id = r.uuid()?;
            let line = crate::state::line_codec::read_line(r)?;
            let item = ItemNo(r.u32()?);
            let effects = read_effects(r)?;
            let cif = read_opt_dec(r)?;
            let cif_usd = read_opt_dec(r)?;
            let cap_cycle = match r.u8()? {
                0 => None,
                1 => Some(r.i64()?),
                _ => return Err(SnapshotError::Invalid("a cap cycle's mark")),
            };
            let line = RecordedLine {
                event_id,
                line,
                item,
                effects,
                cif,
                cif_usd,
                cap_cycle,
            };
            whole.insert(id, line);
        }
        let n = r.len(8)?;
        let mut deep_months = BTreeMap::new();
        for _ in 0..n {
            let p = r.json()?;
            deep_months.insert(p, r.u32()?);
        }
        let finished = FinishedMonths::read_snapshot(r)?;
        let kept_refs = whole
            .iter()
            .map(|(id, l)| (l.line.ref_.clone().into_boxed_str(), id.ref_id))
            .collect();
        let mut store = LineStore {
            kept_refs,
            whole,
            deep_months,
            finished,
            records_missing: true,
            ..LineStore::default()
        };
        // The domestic sales by date are worked out from the lines kept whole.
        store.sales = store.sales_of_whole();
        Ok(store)
    }

    /// Adds the compact records `write_records` saved to lines read by `read_kept`.
    pub(crate) fn read_records(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let refs = Interner::read_snapshot(r)?;
        // Every line kept whole is under its own list number.
        let named_right = self
            .whole
            .iter()
            .all(|(id, l)| refs.get(&l.line.ref_) == Some(id.ref_id));
        if !named_right {
            return Err(SnapshotError::Invalid(
                "a line kept whole under another list number",
            ));
        }
        let n = r.len(12)?;
        let mut index = LineMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            let id = LineId::new(r.u32()?, r.u32()?);
            index.insert(id, r.u32()?);
        }
        // 67 bytes a record: two 16-byte ids, a decimal, a date, four small numbers and the flags.
        let recs = read_chunks(r, 67, |r| {
            let event_id = r.uuid()?;
            let fingerprint = *r.uuid()?.as_bytes();
            Ok(LineRec {
                event_id,
                fingerprint,
                figure: r.dec()?,
                date: r.date()?,
                item: ItemNo(r.u32()?),
                effects_at: r.u32()?,
                cap_cycle: r.i32()?,
                effects_len: r.u16()?,
                flags: r.u8()?,
            })
        })?;
        let free = r.u32s()?;
        let effects = read_chunks(r, 24, |r| {
            Ok(PackedEffect {
                qty: r.dec()?,
                item: ItemNo(r.u32()?),
                name: r.u16()?,
                kind: r.u8()?,
                code: r.u8()?,
            })
        })?;
        let n = r.len(8)?;
        let mut subcontractors = Vec::with_capacity(n);
        for _ in 0..n {
            subcontractors.push(r.str()?.into_boxed_str());
        }
        self.refs = refs;
        self.kept_refs = Default::default();
        self.index = index;
        self.recs = recs;
        self.free = free;
        self.effects = effects;
        self.subcontractors = subcontractors;
        self.records_missing = false;
        self.check_slots()?;
        if self.finished != self.finished_of_records() {
            return Err(SnapshotError::Invalid(
                "finished goods per month that are not its records' sums",
            ));
        }
        Ok(())
    }

    /// Every slot the index or the free list names, and every record's effects, lie within
    /// what is held: the accessors would return nothing for one that does not, but a snapshot
    /// that says otherwise was not written by this code.
    fn check_slots(&self) -> Result<(), SnapshotError> {
        let slot_ok = |s: u32| {
            let s = s as usize;
            self.recs
                .get(s / CHUNK)
                .is_some_and(|c| s % CHUNK < c.len())
        };
        if !self.index.values().all(|s| slot_ok(*s)) || !self.free.iter().all(|s| slot_ok(*s)) {
            return Err(SnapshotError::Invalid("a line slot out of range"));
        }
        let room = self.effects.len() * CHUNK;
        let effects_ok =
            self.recs.iter().flatten().all(|r| {
                (r.effects_at as usize).saturating_add(usize::from(r.effects_len)) <= room
            });
        if !effects_ok {
            return Err(SnapshotError::Invalid("a line's effects out of range"));
        }
        Ok(())
    }
}
