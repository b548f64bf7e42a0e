//! A deterministic workload of a large processing-trade factory, as the CSV files it would load.
//!
//! One purchased-materials e-account ([`ACCOUNT`]) kept for ten years (2015–2024): a book of
//! 2,000 materials, 300 finished goods with BOMs (4 to 12 materials each) and 10 scrap items,
//! monthly exchange rates and the tariff of every HS code. Then, month by month, the files a
//! clerk would load: work orders, verification-list lines and corrections, and at every
//! cycle's end (December) a stocktake of every material. The movement mix is
//! a real factory's: mostly imports (0615 I M) and exports of finished goods (0615 E P), some
//! deep-processing carry-overs (0654), domestic sales (0644), scrap sales (0844), destruction
//! (0200), returns (4600) and re-exports (0664).
//!
//! The generator keeps its own stock of every material and scrap item, worked out with the
//! core's own unit-consumption arithmetic, so every line it writes is accepted: a line that
//! would take a balance below zero is replaced by an import of what is short. The same seed
//! always gives the same bytes.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::unit_consumption::UnitConsumption;

/// The book of the workload.
pub const ACCOUNT: &str = "E44038000001";
/// Its company.
pub const COMPANY: &str = "4403960001";
/// A deep-processing partner's book (carry-overs).
const PEER: &str = "E44038000099";

/// The size of the book and of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub materials: u32,
    pub products: u32,
    pub scrap_items: u32,
    /// Months of movements, from January of `first_year`.
    pub months: u32,
    pub first_year: i32,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            materials: 2_000,
            products: 300,
            scrap_items: 10,
            months: 120,
            first_year: 2015,
        }
    }
}

impl Shape {
    /// Months of each write-off cycle of the book.
    pub const CYCLE_MONTHS: u32 = 12;

    /// The first day of the book (and of its first write-off cycle).
    pub fn start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.first_year, 1, 1).unwrap_or_default()
    }

    /// The (year, month) of month `k`, 0-based.
    pub fn month(&self, k: u32) -> (i32, u32) {
        let m = i64::from(self.first_year) * 12 + i64::from(k);
        ((m / 12) as i32, (m % 12) as u32 + 1)
    }

    /// The last day of the period.
    pub fn end(&self) -> NaiveDate {
        let (y, m) = self.month(self.months.saturating_sub(1));
        ledger_core::model::period::last_day_of_month(y, m)
    }
}

/// A small, fast, deterministic random source (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// An index below `n` (0 when `n` is 0).
    pub fn index(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// What a movement row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Import,
    Export,
    CarryIn,
    CarryOut,
    SaleMaterial,
    SaleFinished,
    WorkOrder,
    ScrapSale,
    Destroy,
    Return,
    ReExport,
    Correction,
}

/// The mix, per thousand rows.
const MIX: [(Kind, u64); 12] = [
    (Kind::Import, 470),
    (Kind::Export, 330),
    (Kind::CarryIn, 30),
    (Kind::CarryOut, 30),
    (Kind::SaleMaterial, 20),
    (Kind::SaleFinished, 20),
    (Kind::WorkOrder, 20),
    (Kind::ScrapSale, 15),
    (Kind::Destroy, 10),
    (Kind::Return, 20),
    (Kind::ReExport, 25),
    (Kind::Correction, 10),
];

const MATERIAL_HS: [&str; 24] = [
    "8542319000",
    "8542329000",
    "8542399000",
    "8532240000",
    "8533211000",
    "8504409999",
    "8541100000",
    "8541290000",
    "8536901100",
    "8544422900",
    "3907300000",
    "3926909090",
    "7318159000",
    "7318160000",
    "8473309000",
    "8529909090",
    "8517799000",
    "8507600090",
    "7616999000",
    "4819100000",
    "3919909090",
    "8523521000",
    "9001100001",
    "8548000090",
];
const PRODUCT_HS: [&str; 5] = [
    "8471500000",
    "8517621900",
    "8528591000",
    "8471300000",
    "8443321900",
];
const SCRAP_HS: &str = "8549110000";
const UNITS: [&str; 4] = ["个", "千克", "米", "PCS"];

/// The material lines of one finished item's BOM (version 0).
type Bom = Vec<(usize, UnitConsumption)>;

/// The generator; see the module docs.
pub struct Workload {
    pub shape: Shape,
    rng: Rng,
    /// Per material (index = item − 1): the price in USD and the stock.
    price: Vec<Decimal>,
    stock: Vec<Decimal>,
    scrap: Vec<Decimal>,
    /// Per finished item: its BOM and how many were exported (returns stay below it).
    boms: Vec<Bom>,
    exported: Vec<Decimal>,
    next_month: u32,
    /// Rows still to write, spread over the months left.
    rows_left: u64,
    /// Whether every December ends with a stocktake of every material (the cycle's end).
    stocktakes: bool,
}

/// One CSV file: a name (its kind is in it) and its bytes.
pub type File = (String, Vec<u8>);

impl Workload {
    /// A workload of about `events` events.
    pub fn new(events: u64, seed: u64) -> Self {
        Self::with_shape(events, seed, Shape::default())
    }

    pub fn with_shape(events: u64, seed: u64, shape: Shape) -> Self {
        let mut rng = Rng::new(seed);
        let price = (0..shape.materials)
            .map(|_| Decimal::new(rng.range(5, 50_000) as i64, 3))
            .collect();
        let mut boms = Vec::with_capacity(shape.products as usize);
        for _ in 0..shape.products {
            let n = rng.range(4, 12) as usize;
            let mut bom: Bom = Vec::with_capacity(n);
            while bom.len() < n.min(shape.materials as usize) {
                let m = rng.index(shape.materials as usize);
                if bom.iter().any(|(x, _)| *x == m) {
                    continue;
                }
                let net = Decimal::new(rng.range(1, 200) as i64, 1);
                let tangible = Decimal::new(rng.range(0, 30) as i64, 1);
                let intangible = Decimal::new(rng.range(0, 10) as i64, 1);
                if let Ok(uc) =
                    UnitConsumption::declare(net, tangible, intangible, Decimal::ONE_HUNDRED)
                {
                    bom.push((m, uc));
                }
            }
            bom.sort_by_key(|(m, _)| *m);
            boms.push(bom);
        }
        let mut w = Workload {
            shape,
            rng,
            price,
            stock: vec![Decimal::ZERO; shape.materials as usize],
            scrap: vec![Decimal::ZERO; shape.scrap_items as usize],
            boms,
            exported: vec![Decimal::ZERO; shape.products as usize],
            next_month: 0,
            rows_left: 0,
            stocktakes: false,
        };
        // The store starts with the interest rate (`init`) and the book (`account open`).
        let fixed = 2 + w.master_events();
        w.rows_left = events.saturating_sub(fixed);
        // A stocktake at every cycle's end, where the workload is big enough to carry them.
        let counts = u64::from(shape.months / 12) * u64::from(shape.materials);
        if counts > 0 && w.rows_left >= counts * 10 {
            w.stocktakes = true;
            w.rows_left -= counts;
        }
        w
    }

    /// Events the master files record: rates, tariffs, items, BOM lines.
    pub fn master_events(&self) -> u64 {
        let fx = u64::from(self.shape.months) + 1;
        let tariffs = (MATERIAL_HS.len() + PRODUCT_HS.len() + 1) as u64;
        let items = u64::from(self.shape.materials + self.shape.products + self.shape.scrap_items);
        let bom: u64 = self.boms.iter().map(|b| b.len() as u64).sum();
        fx + tariffs + items + bom
    }

    /// The header of the book, as `bonded account open` takes it.
    pub fn header(&self) -> Result<ledger_core::model::book::BookHeader, InvalidValue> {
        Ok(ledger_core::model::book::BookHeader {
            account: ACCOUNT.parse()?,
            company: COMPANY.parse()?,
            kind: ledger_core::model::trade_mode::BookKind::Purchased,
            level: ledger_core::model::book::Level::Item,
            capacity_usd: Decimal::new(1_000_000_000_000, 0),
            cycle_start: self.shape.start(),
            cycle_months: Shape::CYCLE_MONTHS,
            headings: Vec::new(),
        })
    }

    /// The master files: exchange rates, tariffs, items, BOMs.
    pub fn master(&mut self) -> Vec<File> {
        let mut fx = String::from("month,currency,cny_per_unit\n");
        for k in 0..=self.shape.months {
            let (y, m) = self.shape.month(k);
            let rate = Decimal::new(6_2000 + self.rng.range(0, 1_0000) as i64, 4);
            let _ = writeln!(fx, "{y:04}-{m:02},USD,{rate}");
        }
        let mut tariff = String::from("hs,from,duty_pct,vat_pct,consumption_pct\n");
        let start = self.shape.start();
        for hs in MATERIAL_HS.iter().chain(PRODUCT_HS.iter()) {
            let duty = self.rng.range(0, 15);
            let _ = writeln!(tariff, "{hs},{start},{duty},13,");
        }
        let _ = writeln!(tariff, "{SCRAP_HS},{start},0,13,");

        let mut items = String::from("account,goods,item,hs,name,unit,spec,price,currency,parts\n");
        for i in 0..self.shape.materials as usize {
            let hs = MATERIAL_HS[i % MATERIAL_HS.len()];
            let unit = UNITS[i % UNITS.len()];
            let n = i + 1;
            let _ = writeln!(
                items,
                "{ACCOUNT},M,{n},{hs},材料{n},{unit},规格 SPEC-{n:05},{},USD,PN-M{n:05}",
                self.price[i]
            );
        }
        for p in 1..=self.shape.products as usize {
            let hs = PRODUCT_HS[p % PRODUCT_HS.len()];
            let _ = writeln!(
                items,
                "{ACCOUNT},P,{p},{hs},成品{p},台,型号 MODEL-{p:04},,,PN-P{p:04}"
            );
        }
        for s in 1..=self.shape.scrap_items as usize {
            let _ = writeln!(items, "{ACCOUNT},S,{s},{SCRAP_HS},边角料{s},千克,,,,");
        }

        let mut bom = String::from(
            "account,product,material,version,net,tangible_loss_pct,intangible_loss_pct,bonded_pct\n",
        );
        for (p, lines) in self.boms.iter().enumerate() {
            for (m, uc) in lines {
                let _ = writeln!(
                    bom,
                    "{ACCOUNT},{},{},0,{},{},{},100",
                    p + 1,
                    m + 1,
                    uc.net,
                    uc.tangible_loss_pct,
                    uc.intangible_loss_pct
                );
            }
        }
        vec![
            ("fx.csv".into(), fx.into_bytes()),
            ("tariff.csv".into(), tariff.into_bytes()),
            ("items.csv".into(), items.into_bytes()),
            ("bom.csv".into(), bom.into_bytes()),
        ]
    }

    /// The files of the next month (work orders, movements, corrections; a kind with no rows is
    /// left out), or `None` when every month is written.
    pub fn next_month(&mut self) -> Option<Vec<File>> {
        let k = self.next_month;
        if k >= self.shape.months {
            return None;
        }
        self.next_month += 1;
        let months_left = u64::from(self.shape.months - k);
        let rows = self.rows_left.div_ceil(months_left.max(1));
        self.rows_left -= rows.min(self.rows_left);
        Some(self.month(k, rows))
    }

    fn month(&mut self, k: u32, rows: u64) -> Vec<File> {
        let (year, month) = self.shape.month(k);
        let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
        let days = ledger_core::model::period::last_day_of_month(year, month).day();
        let mut dates: Vec<NaiveDate> = (0..rows)
            .map(|_| first + chrono::Days::new(self.rng.range(0, u64::from(days) - 1)))
            .collect();
        dates.sort();

        let mut out = Rows::new(year, month);
        // The book's first month brings in every material once.
        if k == 0 {
            for m in 0..self.shape.materials as usize {
                if out.count() >= rows {
                    break;
                }
                self.import(&mut out, first, m, true);
            }
        }
        let mut i = out.count() as usize;
        while out.count() < rows {
            let date = dates.get(i).copied().unwrap_or(first);
            i += 1;
            let kind = self.pick();
            self.row(&mut out, date, kind);
        }
        // The cycle ends with December: every material counted, a little short of the book
        // (up to 0.3 %, the loss a factory expects).
        if self.stocktakes && month == 12 {
            let last = ledger_core::model::period::last_day_of_month(year, month);
            for m in 0..self.shape.materials as usize {
                let kept = Decimal::new(1_000 - self.rng.range(0, 3) as i64, 3);
                let counted = (self.stock[m] * kept).round_dp(3).normalize();
                out.count_stock(last, m + 1, counted);
            }
        }
        out.files()
    }

    fn pick(&mut self) -> Kind {
        let mut r = self.rng.range(0, 999);
        for (kind, weight) in MIX {
            if r < weight {
                return kind;
            }
            r -= weight;
        }
        Kind::Import
    }

    fn material(&mut self) -> usize {
        self.rng.index(self.shape.materials as usize)
    }

    fn product(&mut self) -> usize {
        self.rng.index(self.shape.products as usize)
    }

    /// What `qty` finished units of product `p` take of each material.
    fn needs(&self, p: usize, qty: Decimal) -> Vec<(usize, Decimal)> {
        self.boms
            .get(p)
            .map(|bom| {
                bom.iter()
                    .map(|(m, uc)| (*m, uc.bonded_consumption(qty)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first material that has less than twice what `needs` takes.
    fn short(&self, needs: &[(usize, Decimal)]) -> Option<usize> {
        needs
            .iter()
            .find(|(m, q)| self.stock[*m] < *q * Decimal::TWO)
            .map(|(m, _)| *m)
    }

    fn row(&mut self, out: &mut Rows, date: NaiveDate, kind: Kind) {
        match kind {
            Kind::Import => {
                let m = self.material();
                self.import(out, date, m, false);
            }
            Kind::CarryIn => {
                let m = self.material();
                let qty = Decimal::from(self.rng.range(100, 5_000));
                self.stock[m] += qty;
                out.movement(
                    date,
                    "0654",
                    "I",
                    "M",
                    qty,
                    m + 1,
                    "",
                    "",
                    "",
                    PEER,
                    Kind::CarryIn,
                );
            }
            Kind::Export | Kind::CarryOut | Kind::SaleFinished | Kind::WorkOrder => {
                let p = self.product();
                let qty = Decimal::from(self.rng.range(1, 120));
                let needs = self.needs(p, qty);
                if let Some(m) = self.short(&needs) {
                    self.import(out, date, m, false);
                    return;
                }
                if kind == Kind::WorkOrder {
                    self.work_order(out, date, p, qty, &needs);
                    return;
                }
                for (m, q) in &needs {
                    self.stock[*m] -= *q;
                }
                let (mode, dir, peer) = match kind {
                    Kind::Export => ("0615", "E", ""),
                    Kind::CarryOut => ("0654", "E", PEER),
                    _ => ("0644", "I", ""),
                };
                if kind != Kind::SaleFinished {
                    self.exported[p] += qty;
                }
                out.movement(date, mode, dir, "P", qty, p + 1, "", "", "0", peer, kind);
            }
            Kind::SaleMaterial | Kind::Destroy | Kind::ReExport => {
                let m = self.material();
                let qty = Decimal::from(self.rng.range(1, 500));
                if self.stock[m] < qty * Decimal::TWO {
                    self.import(out, date, m, false);
                    return;
                }
                self.stock[m] -= qty;
                let (mode, dir) = match kind {
                    Kind::SaleMaterial => ("0644", "I"),
                    Kind::Destroy => ("0200", "E"),
                    _ => ("0664", "E"),
                };
                out.movement(date, mode, dir, "M", qty, m + 1, "", "", "", "", kind);
            }
            Kind::ScrapSale => {
                let s = self.rng.index(self.shape.scrap_items as usize);
                let qty = Decimal::from(self.rng.range(1, 50));
                if self.scrap.get(s).is_none_or(|have| *have < qty) {
                    let m = self.material();
                    self.import(out, date, m, false);
                    return;
                }
                self.scrap[s] -= qty;
                let price = Decimal::new(self.rng.range(100, 5_000) as i64, 2).to_string();
                out.movement(
                    date,
                    "0844",
                    "I",
                    "S",
                    qty,
                    s + 1,
                    &price,
                    "CNY",
                    "",
                    "",
                    kind,
                );
            }
            Kind::Return => {
                let p = self.product();
                let qty = Decimal::from(self.rng.range(1, 10));
                if self.exported[p] < qty {
                    let m = self.material();
                    self.import(out, date, m, false);
                    return;
                }
                self.exported[p] -= qty;
                for (m, q) in self.needs(p, qty) {
                    self.stock[m] += q;
                }
                out.movement(date, "4600", "I", "P", qty, p + 1, "", "", "0", "", kind);
            }
            Kind::Correction => {
                // Reverse an export of this month (which gives its materials back).
                match out.take_export(&mut self.rng) {
                    Some((p, qty)) => {
                        self.exported[p] -= qty;
                        for (m, q) in self.needs(p, qty) {
                            self.stock[m] += q;
                        }
                    }
                    None => {
                        let m = self.material();
                        self.import(out, date, m, false);
                    }
                }
            }
        }
    }

    fn import(&mut self, out: &mut Rows, date: NaiveDate, m: usize, first: bool) {
        let qty = if first {
            Decimal::from(self.rng.range(50_000, 200_000))
        } else {
            Decimal::from(self.rng.range(2_000, 60_000))
        };
        self.stock[m] += qty;
        // The declared price moves around the registered one (±10 %).
        let factor = Decimal::new(self.rng.range(900, 1_100) as i64, 3);
        let price = (self.price[m] * factor).round_dp(4).normalize().to_string();
        out.movement(
            date,
            "0615",
            "I",
            "M",
            qty,
            m + 1,
            &price,
            "USD",
            "",
            "",
            Kind::Import,
        );
    }

    fn work_order(
        &mut self,
        out: &mut Rows,
        date: NaiveDate,
        p: usize,
        qty: Decimal,
        needs: &[(usize, Decimal)],
    ) {
        let Some((m, q)) = needs.first().copied() else {
            return;
        };
        let s = self.rng.index(self.shape.scrap_items as usize);
        let scrap = Decimal::from(self.rng.range(1, 40));
        if let Some(have) = self.scrap.get_mut(s) {
            *have += scrap;
        }
        let issued = (q * Decimal::new(101, 2)).round_dp(3).normalize();
        out.work_order(date, p + 1, qty, m + 1, issued, s + 1, scrap);
    }
}

/// The rows of one month, as CSV text per kind of file.
struct Rows {
    stamp: String,
    movements: String,
    workorders: String,
    corrections: String,
    stocktake: String,
    count: u64,
    refs: u64,
    line: u32,
    last_kind: Option<Kind>,
    /// This month's exports not yet corrected: (ref, line, product index, qty).
    exports: Vec<(String, u32, usize, Decimal)>,
}

impl Rows {
    fn new(year: i32, month: u32) -> Self {
        Rows {
            stamp: format!("{year:04}{month:02}"),
            movements: String::from(
                "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,incoterm,bom_version,peer_account\n",
            ),
            workorders: String::from(
                "account,order,date,product,produced,material,issued,scrap_item,scrap_qty\n",
            ),
            corrections: String::from("ref,line,account,reason\n"),
            stocktake: String::from("account,date,item,qty,goods\n"),
            count: 0,
            refs: 0,
            line: 0,
            last_kind: None,
            exports: Vec::new(),
        }
    }

    fn count(&self) -> u64 {
        self.count
    }

    /// The ref and line of the next row: a verification list holds up to 20 lines of one kind.
    fn next_line(&mut self, kind: Kind) -> (String, u32) {
        if self.last_kind != Some(kind) || self.line >= 20 {
            self.refs += 1;
            self.line = 0;
            self.last_kind = Some(kind);
        }
        self.line += 1;
        (format!("QD{}{:06}", self.stamp, self.refs), self.line)
    }

    #[allow(clippy::too_many_arguments)]
    fn movement(
        &mut self,
        date: NaiveDate,
        mode: &str,
        dir: &str,
        goods: &str,
        qty: Decimal,
        item: usize,
        price: &str,
        currency: &str,
        bom_version: &str,
        peer: &str,
        kind: Kind,
    ) {
        let (r, line) = self.next_line(kind);
        let incoterm = if kind == Kind::Import { "CIF" } else { "" };
        let _ = writeln!(
            self.movements,
            "{r},{line},{date},{ACCOUNT},{mode},{dir},{goods},{qty},{item},{price},{currency},{incoterm},{bom_version},{peer}"
        );
        if kind == Kind::Export {
            self.exports.push((r, line, item - 1, qty));
        }
        self.count += 1;
    }

    #[allow(clippy::too_many_arguments)]
    fn work_order(
        &mut self,
        date: NaiveDate,
        product: usize,
        produced: Decimal,
        material: usize,
        issued: Decimal,
        scrap_item: usize,
        scrap_qty: Decimal,
    ) {
        self.refs += 1;
        let _ = writeln!(
            self.workorders,
            "{ACCOUNT},WO{}-{:06},{date},{product},{produced},{material},{issued},{scrap_item},{scrap_qty}",
            self.stamp, self.refs
        );
        self.count += 1;
    }

    /// A material counted at a stocktake (not a row of the month's budget).
    fn count_stock(&mut self, date: NaiveDate, material: usize, qty: Decimal) {
        let _ = writeln!(self.stocktake, "{ACCOUNT},{date},{material},{qty},M");
    }

    /// Corrects one of this month's exports; returns its product index and quantity.
    fn take_export(&mut self, rng: &mut Rng) -> Option<(usize, Decimal)> {
        if self.exports.is_empty() {
            return None;
        }
        let i = rng.index(self.exports.len());
        let (r, line, p, qty) = self.exports.swap_remove(i);
        let _ = writeln!(
            self.corrections,
            "{r},{line},{ACCOUNT},数量申报错误 (quantity declared wrongly)"
        );
        self.count += 1;
        Some((p, qty))
    }

    fn files(self) -> Vec<File> {
        let stamp = self.stamp;
        let mut out = Vec::new();
        for (kind, text) in [
            ("workorders", self.workorders),
            ("movements", self.movements),
            ("corrections", self.corrections),
            ("stocktake", self.stocktake),
        ] {
            if text.lines().nth(1).is_some() {
                out.push((format!("{kind}-{stamp}.csv"), text.into_bytes()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_files() {
        let shape = Shape {
            materials: 50,
            products: 10,
            scrap_items: 3,
            months: 3,
            first_year: 2020,
        };
        let run = |seed| {
            let mut w = Workload::with_shape(2_000, seed, shape);
            let mut files = w.master();
            while let Some(month) = w.next_month() {
                files.extend(month);
            }
            files
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
