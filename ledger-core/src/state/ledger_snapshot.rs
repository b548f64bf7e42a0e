//! The ledger and its books in the snapshot (`state::snapshot`), part by part (`Part`). The
//! large parts — stock, lines, lists, import lots, the capacity used — in the compact binary
//! layout of `wire`; the small ones (items, BOMs, openings, filings …: a few thousand entries
//! at most) as the log's JSON, whose types already round-trip exactly. Maps are written as
//! their entries in order. Every part but the base starts with the books it holds, which must
//! be the base's, in its order.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use super::{Book, ImportLot, ImportLots, Ledger, Reference, TariffRates};
use crate::model::ids::{Currency, ItemNo};
use crate::state::lines::LineStore;
use crate::state::reviews::{BookReviews, Users};
use crate::state::snapshot::wire::{Reader, Writer};
use crate::state::snapshot::{Part, Parts, SnapshotError};
use crate::state::stock::{DatedStock, MaterialStock};

impl Ledger {
    pub(crate) fn write_part(&self, part: Part, w: &mut Writer) -> Result<(), SnapshotError> {
        if part == Part::Base {
            return self.write_base(w);
        }
        w.len(self.books.len());
        for book in self.books.values() {
            w.str(book.header.account.as_str());
            match part {
                Part::Base => {}
                Part::Stock => book.write_stock(w)?,
                Part::History => book.write_history(w),
                Part::WorkOrders => w.json(&book.work_orders.iter().collect::<Vec<_>>())?,
                Part::LotHistory => book.write_lot_history(w),
                Part::Kept => book.lines.write_kept(w)?,
                Part::Records => book.write_records(w)?,
                Part::Imports => book.write_imports(w),
                Part::Lists => book.lists.write_snapshot(w)?,
            }
        }
        Ok(())
    }

    /// Adds `part` to a state read without it (its books are the base's, in order).
    pub(crate) fn read_part(
        &mut self,
        part: Part,
        r: &mut Reader<'_>,
    ) -> Result<(), SnapshotError> {
        if part == Part::Base || !self.missing.contains(part) {
            return Err(SnapshotError::Invalid("a part read twice"));
        }
        if part == Part::Records && self.missing.contains(Part::Kept) {
            return Err(SnapshotError::Invalid(
                "the line records before the lines kept whole",
            ));
        }
        if part == Part::History && self.missing.contains(Part::Stock) {
            return Err(SnapshotError::Invalid("the stock history before the stock"));
        }
        if part == Part::LotHistory && self.missing.contains(Part::Imports) {
            return Err(SnapshotError::Invalid("the lots' history before the lots"));
        }
        let n = r.len(8)?;
        if n != self.books.len() {
            return Err(SnapshotError::OtherBooks { part: part.name() });
        }
        for book in self.books.values_mut() {
            if r.str()? != book.header.account.as_str() {
                return Err(SnapshotError::OtherBooks { part: part.name() });
            }
            match part {
                Part::Base => {}
                Part::Stock => book.read_stock(r)?,
                Part::History => book.read_history(r)?,
                Part::WorkOrders => book.work_orders = r.json::<Vec<_>>()?.into_iter().collect(),
                Part::LotHistory => book.read_lot_history(r)?,
                Part::Kept => book.lines = LineStore::read_kept(r)?,
                Part::Records => book.read_records(r)?,
                Part::Imports => book.read_imports(r)?,
                Part::Lists => book.lists.read_snapshot(r)?,
            }
        }
        self.missing = self.missing.without(Parts::NONE.with(part));
        Ok(())
    }

    fn write_base(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        let mut versions: Vec<(&String, &u64)> = self.versions.iter().collect();
        versions.sort();
        w.len(versions.len());
        for (stream, v) in versions {
            w.str(stream);
            w.u64(*v);
        }
        w.u64(self.events);
        self.users.write_snapshot(w)?;
        self.reference.write_snapshot(w)?;
        w.len(self.books.len());
        for book in self.books.values() {
            book.write_base(w)?;
        }
        Ok(())
    }

    /// The base of a state: every other part missing until `read_part` adds it.
    pub(crate) fn read_base(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let n = r.len(16)?;
        let mut versions = HashMap::with_capacity(n);
        for _ in 0..n {
            let stream = r.str()?;
            versions.insert(stream, r.u64()?);
        }
        let events = r.u64()?;
        let users = Users::read_snapshot(r)?;
        let reference = Reference::read_snapshot(r)?;
        let n = r.len(8)?;
        let mut books = BTreeMap::new();
        for _ in 0..n {
            let book = Book::read_base(r)?;
            let account = book.header.account.clone();
            if books.insert(account, book).is_some() {
                return Err(SnapshotError::Invalid("a book twice"));
            }
        }
        Ok(Ledger {
            books,
            reference,
            users,
            versions,
            events,
            missing: Parts::all().without(Parts::base()),
        })
    }
}

impl Reference {
    fn write_snapshot(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        w.json(&self.fx.iter().collect::<Vec<_>>())?;
        w.len(self.tariffs.len());
        for (hs, dated) in &self.tariffs {
            w.str(hs.as_str());
            w.len(dated.len());
            for (from, t) in dated {
                w.date(*from);
                w.dec(t.duty_pct);
                w.dec(t.vat_pct);
                w.dec(t.consumption_pct);
            }
        }
        w.json(&self.interest.iter().collect::<Vec<_>>())
    }

    fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let fx: Vec<_> = r.json()?;
        let n = r.len(16)?;
        let mut tariffs = BTreeMap::new();
        for _ in 0..n {
            let hs = r
                .str()?
                .parse()
                .map_err(|_| SnapshotError::Invalid("an HS code"))?;
            let m = r.len(52)?;
            let mut dated = BTreeMap::new();
            for _ in 0..m {
                let from = r.date()?;
                let rates = TariffRates {
                    duty_pct: r.dec()?,
                    vat_pct: r.dec()?,
                    consumption_pct: r.dec()?,
                };
                dated.insert(from, rates);
            }
            tariffs.insert(hs, dated);
        }
        let interest: Vec<_> = r.json()?;
        Ok(Reference {
            fx: fx.into_iter().collect(),
            tariffs,
            interest: interest.into_iter().collect(),
        })
    }
}

fn currency(text: &str) -> Result<Currency, SnapshotError> {
    text.parse()
        .map_err(|_| SnapshotError::Invalid("a currency"))
}

impl Book {
    fn write_base(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        w.json(&self.header)?;
        w.json(&self.settings)?;
        w.json(&self.items.iter().collect::<Vec<_>>())?;
        let mut parts: Vec<_> = self.parts.iter().collect();
        parts.sort();
        w.json(&parts)?;
        let boms: Vec<_> = self
            .boms
            .iter()
            .map(|(k, m)| (k, m.iter().collect::<Vec<_>>()))
            .collect();
        w.json(&boms)?;
        w.json(&self.bom_used)?;
        w.json(&self.awaiting)?;
        w.len(self.cap_used_usd.len());
        for (cycle, usd) in &self.cap_used_usd {
            w.i64(*cycle);
            w.dec(*usd);
        }
        w.json(&self.openings.iter().collect::<Vec<_>>())?;
        w.json(&self.stocktakes.iter().collect::<Vec<_>>())?;
        w.opt_date(self.last_writeoff);
        w.opt_date(self.first_import);
        w.json(&self.duty_filed.iter().collect::<Vec<_>>())?;
        w.json(&self.carry_overs_declared.iter().collect::<Vec<_>>())?;
        w.json(&self.closed.iter().collect::<Vec<_>>())?;
        w.json(&self.annual_declared.iter().collect::<Vec<_>>())?;
        w.opt_date(self.removed);
        w.json(&self.prices.iter().collect::<Vec<_>>())?;
        self.review.write_snapshot(w)?;
        self.lists.write_answers(w)
    }

    fn read_base(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let header = r.json()?;
        let mut book = Book::new(header);
        book.settings = r.json()?;
        book.items = r.json::<Vec<_>>()?.into_iter().collect();
        book.parts = r.json::<Vec<_>>()?.into_iter().collect();
        let boms: Vec<(_, Vec<_>)> = r.json()?;
        book.boms = boms
            .into_iter()
            .map(|(k, m)| (k, m.into_iter().collect()))
            .collect();
        book.bom_used = r.json()?;
        book.awaiting = r.json()?;
        let n = r.len(32)?;
        for _ in 0..n {
            let cycle = r.i64()?;
            book.cap_used_usd.insert(cycle, r.dec()?);
        }
        book.openings = r.json::<Vec<_>>()?.into_iter().collect();
        book.stocktakes = r.json::<Vec<_>>()?.into_iter().collect();
        book.last_writeoff = r.opt_date()?;
        book.first_import = r.opt_date()?;
        book.duty_filed = r.json::<Vec<_>>()?.into_iter().collect();
        book.carry_overs_declared = r.json::<Vec<_>>()?.into_iter().collect();
        book.closed = r.json::<Vec<_>>()?.into_iter().collect();
        book.annual_declared = r.json::<Vec<_>>()?.into_iter().collect();
        book.removed = r.opt_date()?;
        book.prices = r.json::<Vec<_>>()?.into_iter().collect();
        book.review = BookReviews::read_snapshot(r)?;
        book.lists.read_answers(r)?;
        Ok(book)
    }

    /// The line records, and what a new recording of a corrected line is checked against:
    /// how often each line was corrected, and why last (`Part::Records`).
    fn write_records(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        self.lines.write_records(w);
        let mut generations: Vec<_> = self.generations.iter().collect();
        generations.sort();
        w.json(&generations)?;
        let mut corrections: Vec<_> = self.last_corrections.iter().collect();
        corrections.sort();
        w.json(&corrections)?;
        Ok(())
    }

    fn read_records(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        self.lines.read_records(r)?;
        self.generations = r.json::<Vec<_>>()?.into_iter().collect();
        self.last_corrections = r.json::<Vec<_>>()?.into_iter().collect();
        Ok(())
    }

    /// The day the book's stock is split on (`Part::History`): 1 January of the year before
    /// its latest change, so that what is asked most — this year and last, the open cycle and
    /// the one before — is read without the years before. None without any change.
    fn stock_split(&self) -> Option<NaiveDate> {
        let latest = self
            .materials
            .values()
            .filter_map(MaterialStock::last_day)
            .max()?;
        NaiveDate::from_ymd_opt(latest.year().checked_sub(1)?, 1, 1)
    }

    /// The stock by day: materials (from the split on), scrap, goods at subcontractors
    /// (`Part::Stock`).
    fn write_stock(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        let split = self.stock_split();
        w.opt_date(split);
        w.len(self.materials.len());
        for (item, stock) in &self.materials {
            w.u32(item.0);
            match split {
                Some(split) => stock.write_from(w, split),
                None => stock.write_snapshot(w),
            }
        }
        w.len(self.scrap.len());
        for (item, stock) in &self.scrap {
            w.u32(item.0);
            stock.write_snapshot(w);
        }
        w.len(self.subcontractors.len());
        for (key, stock) in &self.subcontractors {
            w.json(key)?;
            stock.write_snapshot(w);
        }
        Ok(())
    }

    /// Each material's changes before the split (`Part::History`).
    fn write_history(&self, w: &mut Writer) {
        let split = self.stock_split();
        w.opt_date(split);
        let Some(split) = split else {
            return;
        };
        w.len(self.materials.len());
        for (item, stock) in &self.materials {
            w.u32(item.0);
            stock.write_history(w, split);
        }
    }

    fn read_history(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let split = r.opt_date()?;
        if split != self.stock_split {
            return Err(SnapshotError::Invalid(
                "a stock history split on another day than the stock",
            ));
        }
        self.stock_split = None;
        let Some(split) = split else {
            return Ok(());
        };
        let n = r.len(4)?;
        if n != self.materials.len() {
            return Err(SnapshotError::Invalid(
                "a stock history of other materials than the stock's",
            ));
        }
        for (item, stock) in self.materials.iter_mut() {
            if ItemNo(r.u32()?) != *item {
                return Err(SnapshotError::Invalid(
                    "a stock history of other materials than the stock's",
                ));
            }
            stock.read_history(r, split)?;
        }
        Ok(())
    }

    fn read_stock(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        self.stock_split = r.opt_date()?;
        let n = r.len(4)?;
        for _ in 0..n {
            let item = ItemNo(r.u32()?);
            self.materials
                .insert(item, MaterialStock::read_snapshot(r)?);
        }
        let n = r.len(4)?;
        for _ in 0..n {
            let item = ItemNo(r.u32()?);
            self.scrap.insert(item, DatedStock::read_snapshot(r)?);
        }
        let n = r.len(8)?;
        for _ in 0..n {
            let key = r.json()?;
            self.subcontractors
                .insert(key, DatedStock::read_snapshot(r)?);
        }
        Ok(())
    }

    /// Each material's import lots from the book's split on (`stock_split`), and the date of
    /// its latest lot before the split (`Part::Imports`).
    fn write_imports(&self, w: &mut Writer) {
        let split = self.stock_split();
        w.opt_date(split);
        w.len(self.imports.len());
        for (item, lots) in &self.imports {
            w.u32(item.0);
            match split {
                Some(split) => {
                    let (before, from) = lots.split_at(split);
                    write_lots(w, from);
                    w.opt_date(before.last().map(|l| l.date));
                }
                None => write_lots(w, lots),
            }
        }
    }

    fn read_imports(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let split = r.opt_date()?;
        let n = r.len(12)?;
        for _ in 0..n {
            let item = ItemNo(r.u32()?);
            let lots = read_lots(r)?;
            let lots = match split {
                Some(split) => {
                    let latest = r.opt_date()?;
                    if lots.first().is_some_and(|l| l.date < split)
                        || latest.is_some_and(|d| d >= split)
                    {
                        return Err(SnapshotError::Invalid(
                            "import lots on the wrong side of the split",
                        ));
                    }
                    ImportLots::from_split(lots, split, latest)
                }
                None => ImportLots::from_lots(lots),
            };
            self.imports.insert(item, lots);
        }
        Ok(())
    }

    /// Each material's import lots before the book's split (`Part::LotHistory`).
    fn write_lot_history(&self, w: &mut Writer) {
        let split = self.stock_split();
        w.opt_date(split);
        let Some(split) = split else {
            return;
        };
        w.len(self.imports.len());
        for (item, lots) in &self.imports {
            w.u32(item.0);
            write_lots(w, lots.split_at(split).0);
        }
    }

    fn read_lot_history(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let Some(split) = r.opt_date()? else {
            return Ok(());
        };
        let n = r.len(12)?;
        if n != self.imports.len() {
            return Err(SnapshotError::Invalid(
                "a lots' history of other materials than the lots'",
            ));
        }
        for (item, lots) in self.imports.iter_mut() {
            if ItemNo(r.u32()?) != *item {
                return Err(SnapshotError::Invalid(
                    "a lots' history of other materials than the lots'",
                ));
            }
            lots.put_history(split, read_lots(r)?)
                .map_err(SnapshotError::Invalid)?;
        }
        Ok(())
    }
}

/// Import lots in date order: ids and days since the lot before as varints, the figures in as
/// few bytes as they need, the currency as its place in the lots' own short list of
/// currencies.
fn write_lots(w: &mut Writer, lots: &[ImportLot]) {
    let mut currencies: Vec<&Currency> = Vec::new();
    for lot in lots {
        if !currencies.contains(&&lot.currency) {
            currencies.push(&lot.currency);
        }
    }
    w.len(currencies.len());
    for c in &currencies {
        w.str(c.as_str());
    }
    w.len(lots.len());
    let mut before = NaiveDate::MIN;
    for lot in lots {
        let (ref_id, line) = lot.line.parts();
        w.varint(u128::from(ref_id));
        w.varint(u128::from(line));
        w.date_after(before, lot.date);
        before = lot.date;
        w.dec_small(lot.qty);
        w.dec_small(lot.cif);
        w.dec_small(lot.cif_usd);
        let at = currencies.iter().position(|c| **c == lot.currency);
        w.varint(at.unwrap_or(0) as u128);
    }
}

/// What [`write_lots`] wrote, in date order.
fn read_lots(r: &mut Reader<'_>) -> Result<Vec<ImportLot>, SnapshotError> {
    let k = r.len(8)?;
    let mut currencies = Vec::with_capacity(k);
    for _ in 0..k {
        currencies.push(currency(&r.str()?)?);
    }
    // Each lot at least 10 bytes: two ids, a date, three decimals, a currency.
    let m = r.len(10)?;
    let mut lots = Vec::with_capacity(m);
    let mut before = NaiveDate::MIN;
    for _ in 0..m {
        let line = crate::state::lines::LineId::from_parts(r.varint_u32()?, r.varint_u32()?);
        let date = r.date_after(before)?;
        before = date;
        let (qty, cif, cif_usd) = (r.dec_small()?, r.dec_small()?, r.dec_small()?);
        let currency = currencies
            .get(r.varint_u32()? as usize)
            .cloned()
            .ok_or(SnapshotError::Invalid("a lot's currency"))?;
        lots.push(ImportLot {
            line,
            date,
            qty,
            cif,
            currency,
            cif_usd,
        });
    }
    Ok(lots)
}
