//! A book's verification lists (核注清单) and where each stands with customs: the lines the
//! book counts under each `ref`, the INV101 files written, and what the receipts said (the
//! numbers customs assigned, the stage, the lines and items customs booked). Folded from
//! `movement_recorded`, `movement_corrected`, `list_exported` and `receipt_recorded`.
//!
//! A receipt that names a list the book does not hold is kept apart (`unknown`): customs knows
//! of a list the book does not, and reconciliation says so.

use std::collections::{BTreeMap, HashMap};

use crate::state::intern::Interner;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::events::commands::MovementLine;
use crate::events::lists::{CustomsItem, CustomsLine, ListExported, ReceiptRecorded, WriteOffRow};
use crate::messages::lifecycle::{advance, ListStage};
use crate::model::ids::ItemNo;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};

/// One list of the book as it is stored: about 32 bytes, its name kept once in the lists'
/// interner. What customs said of it is boxed apart (`customs`): most lists of a large book
/// never exchange a message through the ledger, and a replay holds every list.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    dir: Direction,
    mode: TradeMode,
    goods: GoodsKind,
    stage: ListStage,
    date: NaiveDate,
    lines: u32,
    exports: u32,
    updated: Option<NaiveDate>,
    customs: Option<Box<Customs>>,
}

impl Slot {
    fn customs_mut(&mut self) -> &mut Customs {
        self.customs.get_or_insert_with(Default::default)
    }
}

/// One list of the book, as the reports read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListState<'a> {
    pub ref_: &'a str,
    pub dir: Direction,
    pub mode: TradeMode,
    pub goods: GoodsKind,
    /// The earliest date of its lines.
    pub date: NaiveDate,
    /// The lines the book counts now (recorded, less those corrected away).
    pub lines: u32,
    pub stage: ListStage,
    /// INV101 files written.
    pub exports: u32,
    /// The date of its last export or receipt.
    pub updated: Option<NaiveDate>,
    customs: Option<&'a Customs>,
}

/// What the list's exports and receipts said.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Customs {
    pub seq_no: Option<String>,
    pub bond_invt_no: Option<String>,
    pub entry_no: Option<String>,
    pub entry_seq_no: Option<String>,
    /// The `DelcareFlag` of the last export.
    pub declares: Option<bool>,
    /// When it was first declared to customs (a client result or any customs receipt), and
    /// when customs approved it: the clocks of "not sent" and "not booked".
    pub declared_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    /// What customs holds: the head's mode and direction, the lines, the items booked.
    pub mode: Option<String>,
    pub dir: Option<String>,
    pub lines: Vec<CustomsLine>,
    /// The receipt sent in parts (its `pocket_id`) the lines are from, while parts may follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines_pocket: Option<String>,
    pub items: Vec<CustomsItem>,
    /// The notes of the last receipt (a return's reasons).
    pub notes: Vec<String>,
    /// INV202 said the customs declaration could not be generated.
    pub declaration_failed: bool,
}

static NO_CUSTOMS: Customs = Customs {
    seq_no: None,
    bond_invt_no: None,
    entry_no: None,
    entry_seq_no: None,
    declares: None,
    declared_on: None,
    approved_on: None,
    mode: None,
    dir: None,
    lines: Vec::new(),
    lines_pocket: None,
    items: Vec::new(),
    notes: Vec::new(),
    declaration_failed: false,
};

impl<'a> ListState<'a> {
    /// What customs said of the list (nothing yet: every field empty).
    pub fn customs(&self) -> &'a Customs {
        self.customs.unwrap_or(&NO_CUSTOMS)
    }

    fn of(ref_: &'a str, s: &'a Slot) -> Self {
        ListState {
            ref_,
            dir: s.dir,
            mode: s.mode,
            goods: s.goods,
            date: s.date,
            lines: s.lines,
            stage: s.stage,
            exports: s.exports,
            updated: s.updated,
            customs: s.customs.as_deref(),
        }
    }
}

/// A list customs named that the book does not hold.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnknownList {
    pub bond_invt_no: Option<String>,
    pub seq_no: Option<String>,
    pub ref_: Option<String>,
    pub mode: Option<String>,
    pub dir: Option<String>,
    pub stage: Option<ListStage>,
    pub updated: Option<NaiveDate>,
}

/// The lists of one book.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    /// The lists' names (`ref`), each once; a list's number there indexes `slots`.
    names: Interner,
    slots: Vec<Slot>,
    /// Lists customs named that the book does not hold, by BondInvtNo (or SeqNo).
    pub unknown: BTreeMap<String, UnknownList>,
    /// Receipts recorded: (message type, message id or digest) → digest.
    receipts: HashMap<(String, String), String>,
    /// INV211's cycle opening of each item, with the day it was booked (latest wins).
    pub customs_openings: BTreeMap<ItemNo, (Decimal, Option<NaiveDate>)>,
    /// EMS221 write-off results, by cycle: the furthest customs has gone.
    pub writeoffs: BTreeMap<u32, WriteOffAnswer>,
    /// From which list date on the book exchanges its lists with customs through the ledger:
    /// the earliest date of a list exported or answered by a receipt. Lists dated before it
    /// were declared elsewhere (before the company used these messages) and owe nothing here.
    pub in_use_since: Option<NaiveDate>,
}

/// Customs' answer to a cycle's write-off declaration: the furthest EMS221 result received, its
/// day, and the per-item figures of the latest receipt that carried any.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct WriteOffAnswer {
    pub result: Option<String>,
    pub date: Option<NaiveDate>,
    pub rows: Vec<WriteOffRow>,
}

impl WriteOffAnswer {
    /// Takes a receipt's result unless customs has already gone further: receipts can arrive
    /// out of order, and a write-off never goes backwards (an "approved" is not undone by a
    /// late "received"). After a return or a refusal, the company declares again, and any
    /// later receipt is of that new round.
    fn take(&mut self, result: Option<&str>, date: Option<NaiveDate>, rows: &[WriteOffRow]) {
        let returned = matches!(self.result.as_deref(), Some("3" | "6" | "Z"));
        if returned || writeoff_rank(result) >= writeoff_rank(self.result.as_deref()) {
            self.result = result.map(str::to_string);
            self.date = date;
        }
        if !rows.is_empty() {
            self.rows = rows.to_vec();
        }
    }
}

/// The order of EMS221 `manageResult` codes (MESSAGES.md §5.6): intake, formal accounting
/// passed to an officer, accounting done, report passed to an officer, differences confirmed,
/// final (approved or returned). Unknown codes rank lowest.
pub fn writeoff_rank(result: Option<&str>) -> u8 {
    match result {
        Some("Y") | Some("Z") => 1,
        Some("B") => 2,
        Some("5") | Some("6") => 3,
        Some("A") => 4,
        Some("7") => 5,
        Some("2") | Some("3") => 6,
        _ => 0,
    }
}

pub use crate::events::lists::receipt_key;

impl Lists {
    /// The list `ref_`, if the book holds it.
    pub fn get(&self, ref_: &str) -> Option<ListState<'_>> {
        let n = self.names.get(ref_)?;
        let slot = self.slots.get(n as usize)?;
        Some(ListState::of(self.names.name(n)?, slot))
    }

    fn slot_mut(&mut self, ref_: &str) -> Option<&mut Slot> {
        let n = self.names.get(ref_)?;
        self.slots.get_mut(n as usize)
    }

    /// Every list, by `ref`.
    pub fn all(&self) -> Vec<ListState<'_>> {
        let mut out: Vec<ListState<'_>> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(n, slot)| {
                let name = self.names.name(u32::try_from(n).ok()?)?;
                Some(ListState::of(name, slot))
            })
            .collect();
        out.sort_by(|a, b| a.ref_.cmp(b.ref_));
        out
    }

    /// The list customs numbered `bond_invt_no`, or pre-entered as `seq_no`.
    pub fn find_by_numbers(
        &self,
        bond_invt_no: Option<&str>,
        seq_no: Option<&str>,
    ) -> Option<ListState<'_>> {
        let matches = |have: &Option<String>, want: Option<&str>| matches!((have.as_deref(), want), (Some(a), Some(b)) if a == b);
        self.slots.iter().enumerate().find_map(|(n, slot)| {
            let c = slot.customs.as_deref()?;
            if matches(&c.bond_invt_no, bond_invt_no) || matches(&c.seq_no, seq_no) {
                let name = self.names.name(u32::try_from(n).ok()?)?;
                Some(ListState::of(name, slot))
            } else {
                None
            }
        })
    }

    /// The digest a receipt was recorded with, if it was.
    pub fn receipt(&self, key: &(String, String)) -> Option<&String> {
        self.receipts.get(key)
    }

    pub(crate) fn on_movement(&mut self, line: &MovementLine) {
        if line.mode == TradeMode::Owp {
            return; // outward processing has no customs declaration
        }
        // A name the interner cannot hold (past 4 GiB of names) leaves the list untracked.
        let Some(n) = self.names.intern(&line.ref_) else {
            return;
        };
        match self.slots.get_mut(n as usize) {
            Some(list) => {
                list.lines += 1;
                if line.date < list.date {
                    list.date = line.date;
                }
            }
            None => self.slots.push(Slot {
                dir: line.dir,
                mode: line.mode,
                goods: line.goods,
                stage: ListStage::Recorded,
                date: line.date,
                lines: 1,
                exports: 0,
                updated: None,
                customs: None,
            }),
        }
    }

    pub(crate) fn on_correction(&mut self, ref_: &str) {
        if let Some(list) = self.slot_mut(ref_) {
            list.lines = list.lines.saturating_sub(1);
        }
    }

    /// Whether list `l` is one the book exchanges through the ledger (`in_use_since`).
    pub fn tracked(&self, l: &ListState<'_>) -> bool {
        self.in_use_since.is_some_and(|since| l.date >= since)
    }

    fn in_use_from(&mut self, date: NaiveDate) {
        self.in_use_since = Some(self.in_use_since.map_or(date, |d| d.min(date)));
    }

    pub(crate) fn on_export(&mut self, e: &ListExported) {
        if let Some(date) = self.get(&e.ref_).map(|l| l.date) {
            self.in_use_from(date);
        }
        if let Some(list) = self.slot_mut(&e.ref_) {
            list.exports = list.exports.max(e.try_no);
            list.customs_mut().declares = Some(e.declares);
            list.updated = Some(e.date);
            list.stage = advance(list.stage, ListStage::Exported);
        }
    }

    pub(crate) fn on_receipt(&mut self, e: &ReceiptRecorded) {
        if let Some(date) = e.ref_.as_deref().and_then(|r| self.get(r)).map(|l| l.date) {
            self.in_use_from(date);
        }
        self.receipts.insert(e.key(), e.sha256.clone());
        let day = e.at.map(|t| t.date());
        for item in &e.items {
            if let (Some(n), Some(qty)) = (item.item, item.opening) {
                self.customs_openings.insert(ItemNo(n), (qty, day));
            }
        }
        if e.message_type == "EMS221" {
            if let Some(cycle) = e.cycle {
                self.writeoffs.entry(cycle).or_default().take(
                    e.result.as_deref(),
                    day,
                    &e.writeoff_rows,
                );
            }
            return;
        }
        let Some(list) = e.ref_.as_deref().and_then(|r| {
            let n = self.names.get(r)?;
            self.slots.get_mut(n as usize)
        }) else {
            let key = e
                .bond_invt_no
                .clone()
                .or_else(|| e.seq_no.clone())
                .or_else(|| e.ref_.clone())
                .unwrap_or_else(|| e.sha256.clone());
            let unknown = self.unknown.entry(key).or_insert_with(|| UnknownList {
                bond_invt_no: None,
                seq_no: None,
                ref_: e.ref_.clone(),
                mode: None,
                dir: None,
                stage: None,
                updated: None,
            });
            fill(&mut unknown.bond_invt_no, &e.bond_invt_no);
            fill(&mut unknown.seq_no, &e.seq_no);
            fill(&mut unknown.mode, &e.mode);
            fill(&mut unknown.dir, &e.dir);
            if let Some(stage) = e.stage {
                unknown.stage = Some(unknown.stage.map_or(stage, |s| advance(s, stage)));
            }
            unknown.updated = day.or(unknown.updated);
            return;
        };
        let before = list.stage;
        if let Some(stage) = e.stage {
            list.stage = advance(list.stage, stage);
        }
        let stage = list.stage;
        let c = list.customs_mut();
        fill(&mut c.seq_no, &e.seq_no);
        fill(&mut c.bond_invt_no, &e.bond_invt_no);
        fill(&mut c.entry_no, &e.entry_no);
        fill(&mut c.entry_seq_no, &e.entry_seq_no);
        fill(&mut c.mode, &e.mode);
        fill(&mut c.dir, &e.dir);
        if !e.lines.is_empty() {
            match (&e.pocket, &c.lines_pocket) {
                // Another part of the receipt the lines came from: its lines join them (a
                // line customs sent twice keeps the later part's figures).
                (Some(p), Some(have)) if &p.id == have => {
                    for l in &e.lines {
                        match c.lines.iter_mut().find(|x| x.line == l.line) {
                            Some(x) => *x = l.clone(),
                            None => c.lines.push(l.clone()),
                        }
                    }
                    c.lines.sort_by_key(|l| l.line);
                }
                _ => c.lines = e.lines.clone(),
            }
            c.lines_pocket = e.pocket.as_ref().map(|p| p.id.clone());
        }
        if !e.items.is_empty() {
            c.items = e.items.clone();
        }
        if !e.notes.is_empty() {
            c.notes = e.notes.clone();
        }
        if e.message_type == "INV202" {
            c.declaration_failed = e.result.as_deref() == Some("2");
        }
        if stage != before {
            if stage.rank() >= ListStage::Declared.rank()
                && stage != ListStage::Failed
                && c.declared_on.is_none()
            {
                c.declared_on = day;
            }
            if stage == ListStage::Approved || stage == ListStage::PreDeducted {
                c.approved_on = c.approved_on.or(day);
            }
        }
        if day.is_some() {
            list.updated = day;
        }
    }
}

/// Keeps a number customs assigned once it is known; a later receipt that repeats it, or
/// leaves it out, changes nothing.
fn fill(have: &mut Option<String>, new: &Option<String>) {
    if let Some(v) = new.as_ref().filter(|v| !v.trim().is_empty()) {
        *have = Some(v.clone());
    }
}

#[path = "lists_snapshot.rs"]
mod snapshot_codec;
