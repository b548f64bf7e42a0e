//! The movement lines of a book, kept small.
//!
//! A decade of a large factory is a million verification-list lines; holding each one whole
//! (about a kilobyte with its effects and the map around it) does not fit a modest PC. What the
//! rules need of most lines is little: whether a line loaded again is the same line (a 128-bit
//! fingerprint), what it did (its effects, to reverse them in a correction), its date, item,
//! event id and capacity-cap share. That is kept per line — about 90 bytes with the index and
//! four effects — and the log holds the rest.
//!
//! The lines that reports read whole are kept whole as well: domestic sales (the monthly duty),
//! remaining-material carry-overs (the pairing in the cycle report) and finished goods waiting
//! for their unit consumption. Deep-processing carry-overs are counted per month (their
//! declaration deadline).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::events::commands::MovementLine;
use crate::events::{Effect, Target};
use crate::model::ids::ItemNo;
use crate::model::period::Period;
use crate::model::trade_mode::{Column, Direction, GoodsKind, TradeMode};
use crate::state::finished::{FinishedColumn, FinishedMonths};
use crate::state::intern::Interner;

/// A line of a book: its list (interned) and line number. Two 32-bit halves, not one `u64`,
/// so that an index entry (id and slot) takes 12 bytes, not 16 with the `u64`'s alignment:
/// 8 MB less for a million lines, and 12 MB less at the moment the index doubles. Ordered by
/// list, then line; hashed as the one `u64` they pack into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineId {
    ref_id: u32,
    line: u32,
}

impl Hash for LineId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64((u64::from(self.ref_id) << 32) | u64::from(self.line));
    }
}

/// Maps keyed by `LineId`. A line id is one number, not text an adversary chooses: SipHash's
/// protection is not needed, and its cost is a good part of recording a line in a replay.
type LineMap<V> = HashMap<LineId, V, BuildHasherDefault<LineIdHasher>>;

/// Hashes the one `u64` of a `LineId` by a folded multiply (`fast_hash::fold`), which spreads
/// every input bit over the result: the list number sits in the high half of the id and the
/// line number in the low, and both must reach the bits the table indexes by.
#[derive(Default)]
struct LineIdHasher(u64);

impl Hasher for LineIdHasher {
    fn finish(&self) -> u64 {
        crate::state::fast_hash::fold(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Never called for a `LineId` (it writes one u64); correct for anything else.
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = self.0.rotate_left(5) ^ n;
    }
}

impl LineId {
    /// The id's two halves (list number, line number), for the snapshot.
    pub(crate) fn parts(self) -> (u32, u32) {
        (self.ref_id, self.line)
    }

    pub(crate) fn from_parts(ref_id: u32, line: u32) -> Self {
        Self::new(ref_id, line)
    }

    fn new(ref_id: u32, line: u32) -> Self {
        LineId { ref_id, line }
    }

    fn ref_id(self) -> u32 {
        self.ref_id
    }

    fn line(self) -> u32 {
        self.line
    }
}

/// A movement line as it stands in the book, whole, with what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedLine {
    pub event_id: Uuid,
    pub line: MovementLine,
    pub item: ItemNo,
    pub effects: Vec<Effect>,
    pub cif: Option<Decimal>,
    pub cif_usd: Option<Decimal>,
    pub cap_cycle: Option<i64>,
}

/// What a `MovementRecorded` event says of its line besides the line itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineFacts {
    pub event_id: Uuid,
    pub item: ItemNo,
    pub cif: Option<Decimal>,
    pub cif_usd: Option<Decimal>,
    pub cap_cycle: Option<i64>,
}

impl LineFacts {
    fn of(r: &RecordedLine) -> Self {
        LineFacts {
            event_id: r.event_id,
            item: r.item,
            cif: r.cif,
            cif_usd: r.cif_usd,
            cap_cycle: r.cap_cycle,
        }
    }
}

/// What the rules need of any recorded line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSummary {
    pub id: LineId,
    pub event_id: Uuid,
    pub date: NaiveDate,
    pub item: ItemNo,
    pub cif_usd: Option<Decimal>,
    pub cap_cycle: Option<i64>,
}

/// Whether a line of these kinds is read whole by a report.
pub fn is_domestic_sale(line: &MovementLine) -> bool {
    use TradeMode::*;
    line.dir == Direction::I
        && matches!(
            (line.mode, line.goods),
            (M0644 | M0245, GoodsKind::M | GoodsKind::P) | (M0844 | M0845, GoodsKind::S)
        )
}

/// Remaining-material carry-overs (0657/0258), paired in the cycle report.
pub fn is_remaining_carry_over(mode: TradeMode) -> bool {
    matches!(mode, TradeMode::M0657 | TradeMode::M0258)
}

/// Deep-processing carry-overs (0654/0255), declared by month-end.
pub fn is_deep_processing(mode: TradeMode) -> bool {
    matches!(mode, TradeMode::M0654 | TradeMode::M0255)
}

/// A line's content, hashed: two lines with the same fingerprint are the same line. SHA-256
/// (truncated to 128 bits) over the fields as `Hash` feeds them, so equal lines (`1.0` and
/// `1.00` are equal quantities) give equal fingerprints and a collision is not a practical risk.
pub fn fingerprint(line: &MovementLine) -> [u8; 16] {
    /// `Hash` feeds a field at a time, a few bytes each: gather them and digest in one go.
    struct ShaHasher {
        sha: Sha256,
        buf: [u8; 256],
        len: usize,
    }
    impl ShaHasher {
        fn flush(&mut self) {
            self.sha.update(&self.buf[..self.len]);
            self.len = 0;
        }
    }
    impl Hasher for ShaHasher {
        fn finish(&self) -> u64 {
            0 // never called: the digest is read below
        }
        fn write(&mut self, bytes: &[u8]) {
            if self.len + bytes.len() > self.buf.len() {
                self.flush();
            }
            if bytes.len() > self.buf.len() {
                self.sha.update(bytes);
            } else {
                self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
                self.len += bytes.len();
            }
        }
    }
    let mut h = ShaHasher {
        sha: Sha256::new(),
        buf: [0; 256],
        len: 0,
    };
    line.hash(&mut h);
    h.flush();
    let digest = h.sha.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

const FLAG_WHOLE: u8 = 1;
const FLAG_CIF_USD: u8 = 2;
const FLAG_CAP_CYCLE: u8 = 4;
const FLAG_DEEP: u8 = 8;
/// Bits 4–6: the finished-goods column of a finished-goods line (`FinishedColumn::code`), whose
/// quantity is then the record's `figure`.
const FINISHED_SHIFT: u8 = 4;
const FINISHED_MASK: u8 = 0b0111_0000;

/// The finished-goods column and quantity a line's record keeps: (flag bits, figure).
fn finished_mark(line: &MovementLine) -> (u8, Option<Decimal>) {
    match FinishedColumn::of(line) {
        Some(c) => (c.code() << FINISHED_SHIFT, Some(line.qty)),
        None => (0, None),
    }
}

/// One line, compact. When `FLAG_WHOLE` is set the line is in `LineStore::whole` and only the
/// fingerprint, date and flags here are used.
#[derive(Debug, Clone)]
struct LineRec {
    event_id: Uuid,
    fingerprint: [u8; 16],
    /// The import's value in USD (`FLAG_CIF_USD`), or a finished-goods line's quantity (a
    /// finished column in the flags). No line has both: only materials are valued.
    figure: Decimal,
    date: NaiveDate,
    item: ItemNo,
    effects_at: u32,
    cap_cycle: i32,
    effects_len: u16,
    flags: u8,
}

/// One effect, packed: 24 bytes where `Effect` takes 56 and a heap string for subcontractors.
#[derive(Debug, Clone, Copy)]
struct PackedEffect {
    qty: Decimal,
    item: ItemNo,
    /// For a subcontractor: the index of its name in `LineStore::subcontractors`.
    name: u16,
    /// 0 material, 1 scrap, 2 subcontractor.
    kind: u8,
    /// A material's column, or a subcontractor's goods kind.
    code: u8,
}

const COLUMNS: [Column; 8] = [
    Column::Opening,
    Column::Imported,
    Column::CarriedIn,
    Column::Consumed,
    Column::CarriedOut,
    Column::DomesticSold,
    Column::ReExported,
    Column::Destroyed,
];
const GOODS: [GoodsKind; 3] = [GoodsKind::M, GoodsKind::P, GoodsKind::S];

/// Effects live in chunks that never move once allocated (no copy of the whole arena as it
/// grows); a line's effects never straddle two chunks.
const CHUNK: usize = 1 << 16;

/// The lines of one book.
#[derive(Debug, Clone, Default)]
pub struct LineStore {
    /// List numbers (`ref`), each held once.
    refs: Interner,
    index: LineMap<u32>,
    recs: Vec<Vec<LineRec>>,
    /// Slots of removed (corrected) lines, reused by the next line recorded.
    free: Vec<u32>,
    effects: Vec<Vec<PackedEffect>>,
    subcontractors: Vec<Box<str>>,
    whole: LineMap<RecordedLine>,
    /// The domestic sales among the lines kept whole, by date: a period's sales are a range
    /// read, not a walk over every line kept whole (kept with `whole` by `put_whole` and
    /// `take_whole`, worked out again when a snapshot is read).
    sales: BTreeSet<(NaiveDate, LineId)>,
    deep_months: BTreeMap<Period, u32>,
    finished: FinishedMonths,
    /// Read from a snapshot without its records (`Part::Records`): only what reports read
    /// (the lines kept whole, the months, the finished goods) may be asked of it.
    records_missing: bool,
    /// Meanwhile the list numbers of the lines kept whole (`refs` comes with the records).
    kept_refs: std::collections::HashMap<Box<str>, u32>,
}

impl LineStore {
    /// How many lines are recorded.
    pub fn len(&self) -> usize {
        debug_assert!(!self.records_missing, "the line records were not read");
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Makes room for `additional` more lines at once (replay knows how many events follow).
    pub fn reserve(&mut self, additional: usize) {
        self.index.reserve(additional);
    }

    /// The id of a line, if it is recorded.
    pub fn id_of(&self, ref_: &str, line: u32) -> Option<LineId> {
        debug_assert!(!self.records_missing, "the line records were not read");
        let ref_id = self.refs.get(ref_)?;
        let id = LineId::new(ref_id, line);
        self.index.contains_key(&id).then_some(id)
    }

    /// The list and line number of a line.
    pub fn key_of(&self, id: LineId) -> (&str, u32) {
        (self.refs.name(id.ref_id()).unwrap_or(""), id.line())
    }

    fn rec(&self, id: LineId) -> Option<&LineRec> {
        let slot = *self.index.get(&id)? as usize;
        self.recs.get(slot / CHUNK)?.get(slot % CHUNK)
    }

    fn rec_mut(&mut self, id: LineId) -> Option<&mut LineRec> {
        let slot = *self.index.get(&id)? as usize;
        self.recs.get_mut(slot / CHUNK)?.get_mut(slot % CHUNK)
    }

    /// Whether `line` is already recorded: `Some(true)` as the very same line (a repeat),
    /// `Some(false)` as a different line under the same list and line number.
    pub fn compare(&self, line: &MovementLine) -> Option<bool> {
        let id = self.id_of(&line.ref_, line.line)?;
        if let Some(whole) = self.whole.get(&id) {
            return Some(&whole.line == line);
        }
        self.rec(id).map(|r| r.fingerprint == fingerprint(line))
    }

    /// What the rules need of a recorded line.
    pub fn get(&self, ref_: &str, line: u32) -> Option<LineSummary> {
        let id = self.id_of(ref_, line)?;
        if let Some(w) = self.whole.get(&id) {
            return Some(LineSummary {
                id,
                event_id: w.event_id,
                date: w.line.date,
                item: w.item,
                cif_usd: w.cif_usd,
                cap_cycle: w.cap_cycle,
            });
        }
        let r = self.rec(id)?;
        Some(LineSummary {
            id,
            event_id: r.event_id,
            date: r.date,
            item: r.item,
            cif_usd: (r.flags & FLAG_CIF_USD != 0).then_some(r.figure),
            cap_cycle: (r.flags & FLAG_CAP_CYCLE != 0).then_some(i64::from(r.cap_cycle)),
        })
    }

    /// What a recorded line did.
    pub fn effects(&self, id: LineId) -> Vec<Effect> {
        debug_assert!(!self.records_missing, "the line records were not read");
        if let Some(w) = self.whole.get(&id) {
            return w.effects.clone();
        }
        let Some(r) = self.rec(id) else {
            return Vec::new();
        };
        let at = r.effects_at as usize;
        let Some(chunk) = self.effects.get(at / CHUNK) else {
            return Vec::new();
        };
        let start = at % CHUNK;
        chunk
            .get(start..start + usize::from(r.effects_len))
            .unwrap_or_default()
            .iter()
            .map(|p| self.unpack(p))
            .collect()
    }

    /// A line kept whole: a domestic sale, a remaining-material carry-over, or finished goods
    /// waiting for their unit consumption.
    pub fn whole(&self, ref_: &str, line: u32) -> Option<&RecordedLine> {
        // Not through the index: reports read these with the records not loaded (`Part::Kept`).
        let ref_id = if self.records_missing {
            *self.kept_refs.get(ref_)?
        } else {
            self.refs.get(ref_)?
        };
        self.whole.get(&LineId::new(ref_id, line))
    }

    /// Every line kept whole, in no particular order.
    pub fn whole_lines(&self) -> impl Iterator<Item = &RecordedLine> {
        self.whole.values()
    }

    /// The domestic sales (`is_domestic_sale`) dated from `from` to `to`, both included, in
    /// date order (lines of one day in no particular order).
    pub fn domestic_sales(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &RecordedLine> {
        self.sales
            .range((from, LineId::new(0, 0))..)
            .take_while(move |(date, _)| *date <= to)
            .filter_map(|(_, id)| self.whole.get(id))
    }

    /// Every day with a domestic sale, ascending, each once.
    pub fn domestic_sale_dates(&self) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self.sales.iter().map(|(date, _)| *date).collect();
        dates.dedup();
        dates
    }

    /// Keeps `line` whole under `id`, in place of any line kept there before.
    fn put_whole(&mut self, id: LineId, line: RecordedLine) {
        self.take_whole(id);
        if is_domestic_sale(&line.line) {
            self.sales.insert((line.line.date, id));
        }
        self.whole.insert(id, line);
    }

    /// The line kept whole under `id`, no longer kept.
    fn take_whole(&mut self, id: LineId) -> Option<RecordedLine> {
        let old = self.whole.remove(&id)?;
        if is_domestic_sale(&old.line) {
            self.sales.remove(&(old.line.date, id));
        }
        Some(old)
    }

    /// The index of the domestic sales, worked out from the lines kept whole.
    pub(super) fn sales_of_whole(&self) -> BTreeSet<(NaiveDate, LineId)> {
        self.whole
            .iter()
            .filter(|(_, l)| is_domestic_sale(&l.line))
            .map(|(id, l)| (l.line.date, *id))
            .collect()
    }

    /// Months with a deep-processing carry-over (0654/0255) recorded.
    pub fn deep_processing_months(&self) -> impl Iterator<Item = Period> + '_ {
        self.deep_months.keys().copied()
    }

    /// What left the book as finished goods, per item and month.
    pub fn finished(&self) -> &FinishedMonths {
        &self.finished
    }

    /// [`LineStore::finished`] worked out from the records held (a snapshot's sums are checked
    /// against them when its records are read).
    pub(super) fn finished_of_records(&self) -> FinishedMonths {
        let mut out = FinishedMonths::default();
        for &slot in self.index.values() {
            let s = slot as usize;
            let Some(r) = self.recs.get(s / CHUNK).and_then(|c| c.get(s % CHUNK)) else {
                continue;
            };
            if let Some(column) =
                FinishedColumn::from_code((r.flags & FINISHED_MASK) >> FINISHED_SHIFT)
            {
                out.add(r.item, r.date, column, r.figure);
            }
        }
        out
    }

    /// Every recorded line's list and line number, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, u32)> {
        debug_assert!(!self.records_missing, "the line records were not read");
        self.index.keys().map(|id| self.key_of(*id))
    }

    fn subcontractor_index(&mut self, name: &str) -> Option<u16> {
        if let Some(i) = self.subcontractors.iter().position(|s| &**s == name) {
            return u16::try_from(i).ok();
        }
        let i = u16::try_from(self.subcontractors.len()).ok()?;
        self.subcontractors.push(name.into());
        Some(i)
    }

    fn pack(&mut self, effect: &Effect) -> Option<PackedEffect> {
        let (kind, code, item, name) = match &effect.target {
            Target::Material { item, column } => (0, *column as u8, *item, 0),
            Target::Scrap { item } => (1, 0, *item, 0),
            Target::Subcontractor { name, goods, item } => {
                (2, *goods as u8, *item, self.subcontractor_index(name)?)
            }
        };
        Some(PackedEffect {
            qty: effect.qty,
            item,
            name,
            kind,
            code,
        })
    }

    fn unpack(&self, p: &PackedEffect) -> Effect {
        let target = match p.kind {
            0 => Target::Material {
                item: p.item,
                column: COLUMNS[usize::from(p.code) % COLUMNS.len()],
            },
            1 => Target::Scrap { item: p.item },
            _ => Target::Subcontractor {
                name: self
                    .subcontractors
                    .get(usize::from(p.name))
                    .map_or_else(String::new, |s| s.to_string()),
                goods: GOODS[usize::from(p.code) % GOODS.len()],
                item: p.item,
            },
        };
        Effect { target, qty: p.qty }
    }

    /// Packs `effects` into the arena; `None` when they cannot be packed (more than a chunk,
    /// too many subcontractors): the line is then kept whole.
    fn store_effects(&mut self, effects: &[Effect]) -> Option<(u32, u16)> {
        let len = u16::try_from(effects.len()).ok()?;
        if effects.len() > CHUNK {
            return None;
        }
        for e in effects {
            if let Target::Subcontractor { name, .. } = &e.target {
                self.subcontractor_index(name)?;
            }
        }
        let fits = self
            .effects
            .last()
            .is_some_and(|c| c.len() + effects.len() <= CHUNK);
        if !fits {
            self.effects.push(Vec::with_capacity(CHUNK));
        }
        let chunk_no = self.effects.len() - 1;
        let at = u32::try_from(chunk_no * CHUNK + self.effects.last()?.len()).ok()?;
        for e in effects {
            let p = self.pack(e)?;
            self.effects.last_mut()?.push(p);
        }
        Some((at, len))
    }

    fn new_slot(&mut self, rec: LineRec) -> Option<u32> {
        if let Some(slot) = self.free.pop() {
            let s = slot as usize;
            if let Some(r) = self
                .recs
                .get_mut(s / CHUNK)
                .and_then(|c| c.get_mut(s % CHUNK))
            {
                *r = rec;
                return Some(slot);
            }
        }
        if !matches!(self.recs.last(), Some(c) if c.len() < CHUNK) {
            self.recs.push(Vec::with_capacity(CHUNK));
        }
        let chunk_no = self.recs.len() - 1;
        let chunk = self.recs.last_mut()?;
        let slot = u32::try_from(chunk_no * CHUNK + chunk.len()).ok()?;
        chunk.push(rec);
        Some(slot)
    }

    /// The compact form of a line, or `None` when it cannot be packed (its effects do not fit
    /// a chunk, its cap cycle does not fit 32 bits, too many subcontractors).
    fn compact(
        &mut self,
        line: &MovementLine,
        facts: &LineFacts,
        effects: &[Effect],
    ) -> Option<LineRec> {
        let cap_cycle = match facts.cap_cycle {
            None => 0,
            Some(c) => i32::try_from(c).ok()?,
        };
        let (effects_at, effects_len) = self.store_effects(effects)?;
        let mut flags = 0;
        if facts.cif_usd.is_some() {
            flags |= FLAG_CIF_USD;
        }
        if facts.cap_cycle.is_some() {
            flags |= FLAG_CAP_CYCLE;
        }
        if is_deep_processing(line.mode) {
            flags |= FLAG_DEEP;
        }
        let (finished, qty) = finished_mark(line);
        if qty.is_some() && facts.cif_usd.is_some() {
            // One figure per record: a finished-goods line that is valued too (none is, as
            // decided today) is kept whole.
            return None;
        }
        flags |= finished;
        Some(LineRec {
            event_id: facts.event_id,
            fingerprint: fingerprint(line),
            figure: qty.or(facts.cif_usd).unwrap_or_default(),
            date: line.date,
            item: facts.item,
            effects_at,
            cap_cycle,
            effects_len,
            flags,
        })
    }

    /// The stand-in of a line kept whole: the date and flags, the rest is in `whole`.
    fn whole_rec(line: &MovementLine, facts: &LineFacts) -> LineRec {
        let mut flags = FLAG_WHOLE;
        if is_deep_processing(line.mode) {
            flags |= FLAG_DEEP;
        }
        let (finished, qty) = finished_mark(line);
        flags |= finished;
        LineRec {
            event_id: facts.event_id,
            fingerprint: [0; 16],
            figure: qty.unwrap_or_default(),
            date: line.date,
            item: facts.item,
            effects_at: 0,
            cap_cycle: 0,
            effects_len: 0,
            flags,
        }
    }

    /// Whether a report reads this line whole.
    fn read_whole(line: &MovementLine, awaiting: bool) -> bool {
        awaiting || is_domestic_sale(line) || is_remaining_carry_over(line.mode)
    }

    /// Records a line (a `MovementRecorded` event). A line already held under the same list and
    /// line number is replaced. Only a line kept whole is copied. Returns the line's id when it
    /// is held (as `id_of` would find it), without a second look-up.
    pub(crate) fn record(
        &mut self,
        line: &MovementLine,
        facts: LineFacts,
        effects: &[Effect],
        awaiting: bool,
    ) -> Option<LineId> {
        let ref_id = self.refs.intern(&line.ref_)?;
        let id = LineId::new(ref_id, line.line);
        if is_deep_processing(line.mode) {
            let month = Period::of(line.date, crate::model::book::DutyPeriod::Monthly);
            *self.deep_months.entry(month).or_default() += 1;
        }
        if let Some(column) = FinishedColumn::of(line) {
            self.finished.add(facts.item, line.date, column, line.qty);
        }
        let compact = if Self::read_whole(line, awaiting) {
            None
        } else {
            self.compact(line, &facts, effects)
        };
        let kept_whole = compact.is_none();
        let rec = match compact {
            Some(rec) => rec,
            None => {
                let rec = Self::whole_rec(line, &facts);
                self.put_whole(
                    id,
                    RecordedLine {
                        event_id: facts.event_id,
                        line: line.clone(),
                        item: facts.item,
                        effects: effects.to_vec(),
                        cif: facts.cif,
                        cif_usd: facts.cif_usd,
                        cap_cycle: facts.cap_cycle,
                    },
                );
                rec
            }
        };
        // One look-up in the index (a miss in the cache for nearly every line, all of them new):
        // the line's slot goes in, and the slot of a line held before under the same list and
        // line number comes out, to be released.
        let (replaced, held) = match self.new_slot(rec) {
            Some(slot) => (self.index.insert(id, slot), Some(id)),
            None => (self.index.remove(&id), None),
        };
        if let Some(old) = replaced {
            if !kept_whole {
                self.take_whole(id);
            }
            self.release_slot(old);
        }
        held
    }

    /// Adds the effects of a unit consumption applied late (`ConsumptionApplied`); a line no
    /// longer waiting and not read whole by a report is packed. Returns the line's item and,
    /// when known, its BOM version.
    pub(crate) fn add_effects(
        &mut self,
        ref_: &str,
        line: u32,
        effects: &[Effect],
        still_awaiting: bool,
    ) -> Option<(ItemNo, Option<u32>)> {
        let id = self.id_of(ref_, line)?;
        if let Some(mut w) = self.take_whole(id) {
            w.effects.extend(effects.iter().cloned());
            let out = (w.item, Some(w.line.bom_version.unwrap_or(0)));
            let compact = if Self::read_whole(&w.line, still_awaiting) {
                None
            } else {
                self.compact(&w.line, &LineFacts::of(&w), &w.effects)
            };
            match (compact, self.rec_mut(id)) {
                (Some(packed), Some(rec)) => *rec = packed,
                _ => {
                    self.put_whole(id, w);
                }
            }
            return Some(out);
        }
        // A packed line: its effects move to the end of the arena with the new ones.
        let mut all = self.effects(id);
        all.extend(effects.iter().cloned());
        let stored = self.store_effects(&all);
        let rec = self.rec_mut(id)?;
        if let Some((at, len)) = stored {
            rec.effects_at = at;
            rec.effects_len = len;
        }
        Some((rec.item, None))
    }

    /// Removes a line (a `MovementCorrected` event); returns what it was.
    pub(crate) fn remove(&mut self, ref_: &str, line: u32) -> Option<LineSummary> {
        let summary = self.get(ref_, line)?;
        self.remove_id(summary.id);
        Some(summary)
    }

    fn remove_id(&mut self, id: LineId) {
        let Some(slot) = self.index.remove(&id) else {
            return;
        };
        self.take_whole(id);
        self.release_slot(slot);
    }

    /// Frees the slot of a line no longer held (removed, or replaced by a line under the same
    /// list and line number), its count among the deep-processing months and its finished
    /// goods.
    fn release_slot(&mut self, slot: u32) {
        let s = slot as usize;
        let rec = self.recs.get(s / CHUNK).and_then(|c| c.get(s % CHUNK));
        let finished = rec.and_then(|r| {
            let column = FinishedColumn::from_code((r.flags & FINISHED_MASK) >> FINISHED_SHIFT)?;
            Some((r.item, r.date, column, r.figure))
        });
        let deep = rec
            .filter(|r| r.flags & FLAG_DEEP != 0)
            .map(|r| Period::of(r.date, crate::model::book::DutyPeriod::Monthly));
        if let Some((item, date, column, qty)) = finished {
            self.finished.add(item, date, column, -qty);
        }
        if let Some(month) = deep {
            if let Some(n) = self.deep_months.get_mut(&month) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.deep_months.remove(&month);
                }
            }
        }
        self.free.push(slot);
    }
}

#[path = "lines_snapshot.rs"]
mod snapshot_codec;

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
