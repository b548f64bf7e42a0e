//! The state every decision is taken against, and `evolve`, which folds one event into it.
//!
//! `Ledger` holds every book of the store and the reference data. It is rebuilt by replaying
//! the log from the start; nothing here is ever read from anywhere but events.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::events::{
    Effect, Event, ItemRegistered, OpeningRecorded, Target, WorkOrderRecorded, REFERENCE_STREAM,
};
use crate::model::book::{BookHeader, BookSettings};
use crate::model::ids::{BookNo, Currency, HsCode, ItemNo, PartNo};
use crate::model::trade_mode::{Direction, GoodsKind};
use crate::model::unit_consumption::UnitConsumption;
pub use crate::state::lines::RecordedLine;
use crate::state::lines::{LineFacts, LineStore};
use crate::state::stock::{DatedStock, MaterialStock, StockRef};

pub use crate::events::commands::LineKey;

#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub books: BTreeMap<BookNo, Book>,
    pub reference: Reference,
    /// The users of `bonded serve` (access.rs).
    pub users: crate::state::reviews::Users,
    /// Events folded so far, per stream: the expected version of the next append.
    versions: HashMap<String, u64>,
    events: u64,
    /// The parts of the state not read from the snapshot (`state::snapshot::Part`): empty but
    /// for a state a read command opened in part. Such a state is never folded into nor saved.
    missing: crate::state::snapshot::Parts,
}

#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// ("YYYY-MM", currency) → CNY per unit.
    pub fx: BTreeMap<(String, Currency), Decimal>,
    pub tariffs: BTreeMap<HsCode, BTreeMap<NaiveDate, TariffRates>>,
    /// From date → annual percent.
    pub interest: BTreeMap<NaiveDate, Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TariffRates {
    pub duty_pct: Decimal,
    pub vat_pct: Decimal,
    pub consumption_pct: Decimal,
}

impl Reference {
    pub fn fx_rate(&self, month: &str, currency: &Currency) -> Option<Decimal> {
        if currency.is_cny() {
            return Some(Decimal::ONE);
        }
        self.fx.get(&(month.to_string(), currency.clone())).copied()
    }
}

pub use crate::state::imports::{ImportLot, ImportLots};

#[derive(Debug, Clone)]
pub struct Book {
    pub header: BookHeader,
    pub settings: BookSettings,
    pub items: BTreeMap<(GoodsKind, ItemNo), ItemRegistered>,
    pub parts: HashMap<PartNo, (GoodsKind, ItemNo)>,
    /// (product, version) → material → unit consumption.
    pub boms: BTreeMap<(ItemNo, u32), BTreeMap<ItemNo, UnitConsumption>>,
    /// BOM versions some movement has used: they may no longer change.
    pub bom_used: BTreeSet<(ItemNo, u32)>,
    pub materials: BTreeMap<ItemNo, MaterialStock>,
    pub scrap: BTreeMap<ItemNo, DatedStock>,
    pub subcontractors: BTreeMap<(String, GoodsKind, ItemNo), DatedStock>,
    /// Every movement line recorded, compact (lines.rs).
    pub lines: LineStore,
    /// How often each line key was corrected: part of the next recording's event id.
    pub generations: HashMap<LineKey, u32>,
    /// The reason of each line's latest correction: the same correction loaded again is a
    /// repeat, not a second reversal.
    pub last_corrections: HashMap<LineKey, String>,
    /// Finished-goods lines waiting for their unit consumption.
    pub awaiting: BTreeSet<LineKey>,
    /// Cycle number → CIF imports in USD (the capacity cap's cumulative basis).
    pub cap_used_usd: BTreeMap<i64, Decimal>,
    /// Each material's imports, in date order (those of one day in the order recorded).
    pub imports: BTreeMap<ItemNo, ImportLots>,
    pub openings: BTreeMap<(ItemNo, NaiveDate), OpeningRecorded>,
    pub stocktakes: BTreeMap<(NaiveDate, GoodsKind, ItemNo), Decimal>,
    pub work_orders: BTreeMap<(String, ItemNo), WorkOrderRecorded>,
    pub last_writeoff: Option<NaiveDate>,
    pub first_import: Option<NaiveDate>,
    /// Filed domestic-sales declarations, frozen.
    pub duty_filed: BTreeMap<crate::model::period::Period, crate::model::declaration::Declaration>,
    /// Months whose deep-processing carry-overs were declared, and when.
    pub carry_overs_declared: BTreeMap<crate::model::period::Period, NaiveDate>,
    /// Closed write-off cycles by number.
    pub closed: BTreeMap<i64, crate::events::CycleClosed>,
    /// Annual declarations made, by calendar year.
    pub annual_declared: BTreeMap<i32, NaiveDate>,
    /// When the book left the company-based mode.
    pub removed: Option<NaiveDate>,
    /// A supplied book's identical-goods prices: (material, from date) → (unit price, currency).
    pub prices: BTreeMap<(ItemNo, NaiveDate), (Decimal, Currency)>,
    /// Items under dual review, and the reviews closed (access.rs).
    pub review: crate::state::reviews::BookReviews,
    /// The verification lists and where each stands with customs (lists.rs).
    pub lists: crate::state::lists::Lists,
    /// Only in a state read without the stock's history (`Part::History`): the day the stock
    /// was split on. The materials answer exactly for the day before it and later; an earlier
    /// day needs the history (`Ledger::stock_history_needed`).
    pub(crate) stock_split: Option<NaiveDate>,
}

impl Book {
    fn new(header: BookHeader) -> Self {
        Book {
            settings: BookSettings::defaults(header.cycle_months),
            header,
            items: BTreeMap::new(),
            parts: HashMap::new(),
            boms: BTreeMap::new(),
            bom_used: BTreeSet::new(),
            materials: BTreeMap::new(),
            scrap: BTreeMap::new(),
            subcontractors: BTreeMap::new(),
            lines: LineStore::default(),
            generations: HashMap::new(),
            last_corrections: HashMap::new(),
            awaiting: BTreeSet::new(),
            cap_used_usd: BTreeMap::new(),
            imports: BTreeMap::new(),
            openings: BTreeMap::new(),
            stocktakes: BTreeMap::new(),
            work_orders: BTreeMap::new(),
            last_writeoff: None,
            first_import: None,
            duty_filed: BTreeMap::new(),
            carry_overs_declared: BTreeMap::new(),
            closed: BTreeMap::new(),
            stock_split: None,
            annual_declared: BTreeMap::new(),
            removed: None,
            prices: BTreeMap::new(),
            review: Default::default(),
            lists: Default::default(),
        }
    }

    /// The identical-goods price of material `item` in force on `on`: the latest dated on or
    /// before it.
    pub fn price_on(&self, item: ItemNo, on: NaiveDate) -> Option<&(Decimal, Currency)> {
        self.prices
            .range((item, NaiveDate::MIN)..=(item, on))
            .next_back()
            .map(|(_, p)| p)
    }

    pub fn item(&self, goods: GoodsKind, item: ItemNo) -> Option<&ItemRegistered> {
        self.items.get(&(goods, item))
    }

    /// The unit of an item, for messages.
    pub fn unit_of(&self, goods: GoodsKind, item: ItemNo) -> String {
        self.item(goods, item)
            .map(|i| i.unit.to_string())
            .unwrap_or_default()
    }

    /// The signed change `effect` makes to the stock it lands on.
    pub fn stock_delta(effect: &Effect) -> Decimal {
        match &effect.target {
            Target::Material { column, .. } => {
                crate::state::stock::balance_delta(*column, effect.qty)
            }
            Target::Scrap { .. } | Target::Subcontractor { .. } => effect.qty,
        }
    }

    /// The stock an effect lands on, if it exists yet.
    pub fn stock(&self, target: &Target) -> Option<StockRef<'_>> {
        match target {
            Target::Material { item, .. } => self.materials.get(item).map(StockRef::Material),
            Target::Scrap { item } => self.scrap.get(item).map(StockRef::Dated),
            Target::Subcontractor { name, goods, item } => self
                .subcontractors
                .get(&(name.clone(), *goods, *item))
                .map(StockRef::Dated),
        }
    }

    fn apply(&mut self, date: NaiveDate, effect: &Effect, sign: Decimal) {
        let qty = effect.qty * sign;
        match &effect.target {
            Target::Material { item, column } => {
                self.materials
                    .entry(*item)
                    .or_default()
                    .add(date, *column, qty);
            }
            Target::Scrap { item } => self.scrap.entry(*item).or_default().add(date, qty),
            Target::Subcontractor { name, goods, item } => self
                .subcontractors
                .entry((name.clone(), *goods, *item))
                .or_default()
                .add(date, qty),
        }
    }
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn book(&self, account: &BookNo) -> Option<&Book> {
        self.books.get(account)
    }

    /// Whether a question asked of this state — read without the import lots' history
    /// (`Part::LotHistory`) — needed lots from before the split: its answer may be wrong, and
    /// must be worked out again with the history read.
    pub fn lot_history_asked(&self) -> bool {
        self.books
            .values()
            .flat_map(|b| b.imports.values())
            .any(|lots| lots.history_asked())
    }

    /// Whether book `account`'s materials as of the end of `day` — or their changes over days
    /// after it — need the stock's history, this state having been read without it
    /// (`Part::History`): whether `day` is before the eve of the split.
    pub fn stock_history_needed(&self, account: &BookNo, day: NaiveDate) -> bool {
        self.missing.contains(crate::state::snapshot::Part::History)
            && self
                .book(account)
                .and_then(|b| b.stock_split)
                .and_then(|split| split.pred_opt())
                .is_some_and(|eve| day < eve)
    }

    /// Events folded into this stream so far (its per-book sequence).
    pub fn stream_version(&self, stream: &str) -> u64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    pub fn stream_versions(&self) -> &HashMap<String, u64> {
        &self.versions
    }

    /// Events folded so far, over all streams.
    pub fn event_count(&self) -> u64 {
        self.events
    }

    /// The parts of the state it was opened without (none, unless a read command opened it in
    /// part from a snapshot: then only what reads those parts may use it).
    pub fn missing(&self) -> crate::state::snapshot::Parts {
        self.missing
    }

    /// Whether every part is here: the state can be decided against, folded into and saved.
    pub fn is_whole(&self) -> bool {
        self.missing.is_empty()
    }

    /// Folds one event into the state. Events come from `decide` or from the log, so they
    /// are trusted: an event naming a book that does not exist changes nothing but the count.
    pub fn evolve(&mut self, id: Uuid, event: &Event) {
        debug_assert!(
            self.is_whole(),
            "an event folded into a state opened in part"
        );
        // Counted in place: a stream's name is copied only the first time it is seen (the
        // entry API would copy it for every event, a million times in a replay).
        let stream = event.stream();
        match self.versions.get_mut(stream) {
            Some(version) => *version += 1,
            None => {
                self.versions.insert(stream.to_string(), 1);
            }
        }
        self.events += 1;
        match event {
            Event::BookOpened(e) => {
                self.books
                    .insert(e.header.account.clone(), Book::new(e.header.clone()));
            }
            Event::FxRateSet(e) => {
                self.reference
                    .fx
                    .insert((e.month.clone(), e.currency.clone()), e.cny_per_unit);
            }
            Event::TariffSet(e) => {
                self.reference
                    .tariffs
                    .entry(e.hs.clone())
                    .or_default()
                    .insert(
                        e.from,
                        TariffRates {
                            duty_pct: e.duty_pct,
                            vat_pct: e.vat_pct,
                            consumption_pct: e.consumption_pct,
                        },
                    );
            }
            Event::InterestRateSet(e) => {
                self.reference.interest.insert(e.from, e.annual_pct);
            }
            Event::UserAdded(e) => self.users.add(e),
            Event::UserBooksSet(e) => self.users.set_books(e),
            other => {
                let Some(account) = other.account() else {
                    return;
                };
                if let Some(book) = self.books.get_mut(account) {
                    evolve_book(book, id, other);
                }
            }
        }
    }
}

fn evolve_book(book: &mut Book, id: Uuid, event: &Event) {
    match event {
        Event::SettingsChanged(e) => {
            for s in &e.changes {
                book.settings.apply(s);
            }
        }
        Event::ItemRegistered(e) => {
            for part in &e.parts {
                book.parts.insert(part.clone(), (e.goods, e.item));
            }
            if e.goods == GoodsKind::M {
                book.materials.entry(e.item).or_default();
            }
            if e.goods == GoodsKind::S {
                book.scrap.entry(e.item).or_default();
            }
            book.items.insert((e.goods, e.item), e.clone());
        }
        Event::UnitConsumptionDeclared(e) => {
            book.boms
                .entry((e.product, e.version))
                .or_default()
                .insert(e.material, e.consumption.clone());
        }
        Event::MovementRecorded(e) => {
            let line = &e.line;
            book.lists.on_movement(line);
            for effect in &e.effects {
                book.apply(line.date, effect, Decimal::ONE);
            }
            // A BOM version is fixed once a movement has consumed by it; a line still waiting
            // for its unit consumption has not.
            if line.goods == GoodsKind::P && !e.awaiting_unit_consumption && !e.effects.is_empty() {
                book.bom_used
                    .insert((e.item, line.bom_version.unwrap_or(0)));
            }
            if e.awaiting_unit_consumption {
                book.awaiting.insert((line.ref_.clone(), line.line));
            }
            let mut cap_cycle = None;
            if let (Some(usd), true) = (
                e.cif_usd,
                e.cif.is_some() && line.mode.counts_against_cap(line.dir, line.goods),
            ) {
                let cycle = book.cycle_containing(line.date).number;
                *book.cap_used_usd.entry(cycle).or_default() += usd;
                cap_cycle = Some(cycle);
            }
            let held = book.lines.record(
                line,
                LineFacts {
                    event_id: id,
                    item: e.item,
                    cif: e.cif,
                    cif_usd: e.cif_usd,
                    cap_cycle,
                },
                &e.effects,
                e.awaiting_unit_consumption,
            );
            if let (Some(cif), Some(usd), Direction::I) = (e.cif, e.cif_usd, line.dir) {
                book.first_import = Some(match book.first_import {
                    Some(d) if d <= line.date => d,
                    _ => line.date,
                });
                if let Some(lid) = held {
                    book.imports.entry(e.item).or_default().insert(ImportLot {
                        line: lid,
                        date: line.date,
                        qty: line.qty,
                        cif,
                        currency: line.currency.clone().unwrap_or_else(Currency::usd),
                        cif_usd: usd,
                    });
                }
            }
        }
        Event::ConsumptionApplied(e) => {
            let key = (e.ref_.clone(), e.line);
            for effect in &e.effects {
                book.apply(e.date, effect, Decimal::ONE);
            }
            book.awaiting.remove(&key);
            if let Some((item, Some(version))) =
                book.lines.add_effects(&e.ref_, e.line, &e.effects, false)
            {
                book.bom_used.insert((item, version));
            }
        }
        Event::MovementCorrected(e) => {
            book.lists.on_correction(&e.ref_);
            let key = (e.ref_.clone(), e.line);
            for effect in &e.reversed {
                book.apply(e.date, effect, Decimal::ONE);
            }
            book.awaiting.remove(&key);
            if let Some(rec) = book.lines.remove(&e.ref_, e.line) {
                if let (Some(cycle), Some(usd)) = (rec.cap_cycle, rec.cif_usd) {
                    *book.cap_used_usd.entry(cycle).or_default() -= usd;
                }
                if let Some(lots) = book.imports.get_mut(&rec.item) {
                    lots.remove_line(rec.id);
                }
            }
            *book.generations.entry(key.clone()).or_default() += 1;
            book.last_corrections.insert(key, e.reason.clone());
        }
        Event::OpeningRecorded(e) => {
            book.materials.entry(e.item).or_default().add(
                e.date,
                crate::model::trade_mode::Column::Opening,
                e.qty,
            );
            book.last_writeoff = Some(match book.last_writeoff {
                Some(d) if d >= e.date => d,
                _ => e.date,
            });
            book.openings.insert((e.item, e.date), e.clone());
        }
        Event::StocktakeRecorded(e) => {
            book.stocktakes.insert((e.date, e.goods, e.item), e.qty);
        }
        Event::WorkOrderRecorded(e) => {
            if let (Some(item), Some(qty)) = (e.scrap_item, e.scrap_qty) {
                book.scrap.entry(item).or_default().add(e.date, qty);
            }
            book.work_orders
                .insert((e.order.clone(), e.material), e.clone());
        }
        Event::DutyFiled(e) => {
            book.duty_filed
                .insert(e.declaration.period, e.declaration.clone());
        }
        Event::CarryOverDeclared(e) => {
            book.carry_overs_declared.insert(e.month, e.date);
        }
        Event::CycleClosed(e) => {
            // The write-off date is the new start of deferred interest.
            book.last_writeoff = Some(match book.last_writeoff {
                Some(d) if d >= e.date => d,
                _ => e.date,
            });
            book.closed.insert(e.cycle, e.clone());
        }
        Event::AnnualDeclared(e) => {
            book.annual_declared.insert(e.year, e.date);
        }
        Event::BookRemoved(e) => {
            book.removed = Some(e.date);
        }
        Event::PriceSet(e) => {
            book.prices
                .insert((e.item, e.date), (e.unit_price, e.currency.clone()));
        }
        Event::ReviewSubmitted(_) | Event::ReviewApproved(_) | Event::ReviewRejected(_) => {
            book.review.evolve(event);
        }
        Event::ListExported(e) => book.lists.on_export(e),
        Event::ReceiptRecorded(e) => book.lists.on_receipt(e),
        Event::BookOpened(_)
        | Event::FxRateSet(_)
        | Event::TariffSet(_)
        | Event::InterestRateSet(_)
        | Event::UserAdded(_)
        | Event::UserBooksSet(_) => {}
    }
}

/// The stream name of reference data, re-exported for callers that build appends.
pub fn reference_stream() -> &'static str {
    REFERENCE_STREAM
}

#[path = "ledger_snapshot.rs"]
mod snapshot_codec;
