//! A book's verification lists in the snapshot (`state::snapshot`): a list's slot in 19–24
//! bytes (enums as their codes), what customs said of it and the rest as the log's JSON.

use std::collections::{BTreeMap, HashMap};

use super::{Lists, Slot};
use crate::messages::lifecycle::ListStage;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};
use crate::state::intern::Interner;
use crate::state::snapshot::wire::{code_of, from_code, Reader, Writer};
use crate::state::snapshot::SnapshotError;

const DIRECTIONS: [Direction; 2] = [Direction::I, Direction::E];
const GOODS: [GoodsKind; 3] = [GoodsKind::M, GoodsKind::P, GoodsKind::S];

impl Lists {
    /// The lists themselves (`Part::Lists`): their names, a slot each, the lists customs
    /// named that the book does not hold, the receipts recorded.
    pub(crate) fn write_snapshot(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        let modes: Vec<TradeMode> = TradeMode::all().collect();
        self.names.write_snapshot(w);
        w.len(self.slots.len());
        for s in &self.slots {
            w.u8(code_of(&DIRECTIONS, &s.dir));
            w.u8(code_of(&modes, &s.mode));
            w.u8(code_of(&GOODS, &s.goods));
            w.u8(code_of(&ListStage::ALL, &s.stage));
            w.date(s.date);
            w.u32(s.lines);
            w.u32(s.exports);
            w.opt_date(s.updated);
            match &s.customs {
                None => w.u8(0),
                Some(c) => {
                    w.u8(1);
                    w.json(c)?;
                }
            }
        }
        w.json(&self.unknown.iter().collect::<Vec<_>>())?;
        let mut receipts: Vec<_> = self.receipts.iter().collect();
        receipts.sort();
        w.json(&receipts)?;
        Ok(())
    }

    /// What customs answered for the whole book — its cycle openings, its write-off results
    /// — and since when the book exchanges messages: small, and read with the base (the cycle
    /// report shows customs' write-off answer without reading every list).
    pub(crate) fn write_answers(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        w.json(&self.customs_openings.iter().collect::<Vec<_>>())?;
        w.json(&self.writeoffs.iter().collect::<Vec<_>>())?;
        w.opt_date(self.in_use_since);
        Ok(())
    }

    pub(crate) fn read_answers(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let openings: Vec<_> = r.json()?;
        let writeoffs: Vec<_> = r.json()?;
        self.customs_openings = openings.into_iter().collect();
        self.writeoffs = writeoffs.into_iter().collect();
        self.in_use_since = r.opt_date()?;
        Ok(())
    }

    /// Adds the lists `write_snapshot` saved to the answers read with the base.
    pub(crate) fn read_snapshot(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let modes: Vec<TradeMode> = TradeMode::all().collect();
        let names = Interner::read_snapshot(r)?;
        let n = r.len(18)?;
        let mut slots = Vec::with_capacity(n);
        for _ in 0..n {
            let dir = from_code(&DIRECTIONS, r.u8()?, "a direction")?;
            let mode = from_code(&modes, r.u8()?, "a trade mode")?;
            let goods = from_code(&GOODS, r.u8()?, "a kind of goods")?;
            let stage = from_code(&ListStage::ALL, r.u8()?, "a list stage")?;
            let date = r.date()?;
            let lines = r.u32()?;
            let exports = r.u32()?;
            let updated = r.opt_date()?;
            let customs = match r.u8()? {
                0 => None,
                1 => Some(Box::new(r.json()?)),
                _ => return Err(SnapshotError::Invalid("a list's customs mark")),
            };
            slots.push(Slot {
                dir,
                mode,
                goods,
                stage,
                date,
                lines,
                exports,
                updated,
                customs,
            });
        }
        let unknown: Vec<(String, super::UnknownList)> = r.json()?;
        let receipts: Vec<((String, String), String)> = r.json()?;
        self.names = names;
        self.slots = slots;
        self.unknown = unknown.into_iter().collect::<BTreeMap<_, _>>();
        self.receipts = receipts.into_iter().collect::<HashMap<_, _>>();
        Ok(())
    }
}
