//! The generated year: the production plan, work orders, and the simulation that keeps every
//! material's balance line by line while it writes the verification lists.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) mode: &'static str,
    pub(crate) dir: &'static str,
    pub(crate) goods: &'static str,
    pub(crate) item: u32,
    pub(crate) part: Option<&'static str>,
    pub(crate) qty: Decimal,
    pub(crate) unit_price: Option<Decimal>,
    pub(crate) currency: Option<&'static str>,
    pub(crate) incoterm: Option<&'static str>,
    pub(crate) freight: Option<Decimal>,
    pub(crate) bom_version: Option<u32>,
    pub(crate) peer: Option<&'static str>,
    pub(crate) subcontractor: Option<&'static str>,
}

impl Line {
    pub(crate) fn new(
        mode: &'static str,
        dir: &'static str,
        goods: &'static str,
        item: u32,
        qty: Decimal,
    ) -> Line {
        Line {
            mode,
            dir,
            goods,
            item,
            part: None,
            qty,
            unit_price: None,
            currency: None,
            incoterm: None,
            freight: None,
            bom_version: None,
            peer: None,
            subcontractor: None,
        }
    }
}

/// One verification list (核注清单): a date and its lines.
pub(crate) struct List {
    pub(crate) date: NaiveDate,
    pub(crate) lines: Vec<Line>,
}

pub(crate) struct WorkOrderRow {
    pub(crate) order: String,
    pub(crate) date: NaiveDate,
    pub(crate) product: u32,
    pub(crate) produced: Decimal,
    pub(crate) material: u32,
    pub(crate) issued: Decimal,
    pub(crate) scrap: Option<(u32, Decimal)>,
}

/// (goods, item, qty)
pub(crate) type Count = (&'static str, u32, Decimal);

/// The year's lists and what the simulation ended with (the figures are read by the tests).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Demo {
    pub(crate) lists: Vec<List>,
    pub(crate) work_orders: Vec<WorkOrderRow>,
    pub(crate) stocktake: Vec<Count>,
    pub(crate) balances: BTreeMap<u32, Decimal>,
    pub(crate) min_balances: BTreeMap<u32, Decimal>,
    pub(crate) cap_used_usd: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PKind {
    Export,
    CarryOut,
    DomesticSale,
    Return,
    Replacement,
}

/// A planned finished-goods line: it consumes (or, for a return, gives back) materials.
pub(crate) struct PEvent {
    pub(crate) date: NaiveDate,
    pub(crate) key: &'static str,
    pub(crate) kind: PKind,
    pub(crate) product: u32,
    pub(crate) version: u32,
    pub(crate) qty: Decimal,
}

pub(crate) type Boms = BTreeMap<(u32, u32), Vec<(u32, Decimal, Decimal, Decimal)>>;

/// (product, version) → [(material, net, gross, bonded %)]
pub(crate) fn boms() -> Boms {
    let mut out: Boms = BTreeMap::new();
    for &(p, v, m, net, t, i, b) in BOM.iter() {
        out.entry((p, v))
            .or_default()
            .push((m, d(net), gross(d(net), d(t), d(i)), d(b)));
    }
    out
}

/// Bonded material consumed by `qty` units of `product` under `version`.
pub(crate) fn consumption(
    boms: &Boms,
    product: u32,
    version: u32,
    qty: Decimal,
) -> Vec<(u32, Decimal)> {
    boms[&(product, version)]
        .iter()
        .map(|&(m, _, g, b)| (m, qty * g * b / Decimal::ONE_HUNDRED))
        .collect()
}

pub(crate) fn p1_version(date: NaiveDate) -> u32 {
    if date >= ymd(7, 1) {
        1
    } else {
        0
    }
}

/// Splits `total` over `n` shipments of slightly different sizes, each a multiple of 10.
pub(crate) fn split(rng: &mut Rng, total: Decimal, n: usize) -> Vec<Decimal> {
    let weights: Vec<Decimal> = (0..n)
        .map(|_| Decimal::from(rng.between(900, 1100)))
        .collect();
    let sum: Decimal = weights.iter().sum();
    let ten = Decimal::TEN;
    weights
        .iter()
        .map(|w| (half_up(total * w / sum / ten, 0) * ten).max(ten))
        .collect()
}

/// The year's finished-goods shipments, returns and domestic sales, by date.
pub(crate) fn plan(rng: &mut Rng) -> Vec<PEvent> {
    let mut events = Vec::new();
    for month in 1..=12u32 {
        let days = workdays_of(month);
        let on = |wd: Weekday| -> Vec<NaiveDate> {
            days.iter().copied().filter(|x| x.weekday() == wd).collect()
        };
        let (tue, thu, fri) = (on(Weekday::Tue), on(Weekday::Thu), on(Weekday::Fri));
        let carry_days: Vec<NaiveDate> = [9, 19, 27]
            .iter()
            .map(|&x| workday_on_or_after(ymd(month, x)))
            .collect();
        let volume = |rng: &mut Rng, base: i64| {
            half_up(rng.vary(Decimal::from(base), -150, 150) / Decimal::TEN, 0) * Decimal::TEN
        };
        let mut push = |dates: &[NaiveDate],
                        qtys: Vec<Decimal>,
                        key: &'static str,
                        kind: PKind,
                        product: u32| {
            for (date, qty) in dates.iter().zip(qtys) {
                let version = if product == 1 { p1_version(*date) } else { 0 };
                events.push(PEvent {
                    date: *date,
                    key,
                    kind,
                    product,
                    version,
                    qty,
                });
            }
        };

        // 路由器主板: 80 % exported on Tuesdays and Fridays, 20 % carried out to a Shenzhen assembler.
        let v1 = volume(rng, 20_000);
        let mut export_days: Vec<NaiveDate> = tue.iter().chain(fri.iter()).copied().collect();
        export_days.sort();
        let q = split(rng, v1 * d("0.8"), export_days.len());
        let keys: Vec<&'static str> = export_days
            .iter()
            .map(|x| {
                if x.weekday() == Weekday::Tue {
                    "A"
                } else {
                    "B"
                }
            })
            .collect();
        for ((date, qty), key) in export_days.iter().zip(q).zip(keys) {
            push(&[*date], vec![qty], key, PKind::Export, 1);
        }
        let q = split(rng, v1 * d("0.2"), carry_days.len());
        push(&carry_days, q, "CO1", PKind::CarryOut, 1);

        // 电源适配器: 85 % exported on Thursdays and Fridays, 15 % carried out.
        let v2 = volume(rng, 30_000);
        let mut export_days: Vec<NaiveDate> = thu.iter().chain(fri.iter()).copied().collect();
        export_days.sort();
        let q = split(rng, v2 * d("0.85"), export_days.len());
        for (date, qty) in export_days.iter().zip(q) {
            let key = if date.weekday() == Weekday::Thu {
                "C"
            } else {
                "B"
            };
            push(&[*date], vec![qty], key, PKind::Export, 2);
        }
        let q = split(rng, v2 * d("0.15"), carry_days.len());
        push(&carry_days, q, "CO2", PKind::CarryOut, 2);

        // 无线路由器 on Tuesdays and Fridays, USB扩展坞 on Tuesdays and Thursdays.
        for (product, base, days) in [
            (3, 5_000, [Weekday::Tue, Weekday::Fri]),
            (5, 4_000, [Weekday::Tue, Weekday::Thu]),
        ] {
            let v = volume(rng, base);
            let mut export_days: Vec<NaiveDate> = days.iter().flat_map(|&w| on(w)).collect();
            export_days.sort();
            let q = split(rng, v, export_days.len());
            for (date, qty) in export_days.iter().zip(q) {
                let key = match date.weekday() {
                    Weekday::Tue => "A",
                    Weekday::Thu => "C",
                    _ => "B",
                };
                push(&[*date], vec![qty], key, PKind::Export, product);
            }
        }

        // 工控主机: one fixed shipment a month.
        let p4_day = workday_on_or_after(ymd(month, 20));
        push(
            &[p4_day],
            vec![Decimal::from(P4_MONTHLY[(month - 1) as usize])],
            "D",
            PKind::Export,
            4,
        );
    }
    // A faulty batch of 路由器主板 (exported in June) comes back and is replaced.
    events.push(PEvent {
        date: ymd(7, 8),
        key: "RET",
        kind: PKind::Return,
        product: 1,
        version: 0,
        qty: d("120"),
    });
    events.push(PEvent {
        date: ymd(7, 22),
        key: "REP",
        kind: PKind::Replacement,
        product: 1,
        version: 1,
        qty: d("120"),
    });
    // 电源适配器 sold on the domestic market, converted back into materials (折料).
    events.push(PEvent {
        date: ymd(8, 19),
        key: "DS",
        kind: PKind::DomesticSale,
        product: 2,
        version: 0,
        qty: d("300"),
    });
    events.sort_by_key(|e| e.date);
    events
}

/// Production orders: 路由器主板 and 电源适配器 monthly, the others quarterly. Issued quantities are
/// the declared gross a little over, except 电源适配器's PC resin, where the declared loss is
/// too high (issued ≈ 96 % of declared: an Order 182 exposure).
pub(crate) fn work_orders(rng: &mut Rng, boms: &Boms, events: &[PEvent]) -> Vec<WorkOrderRow> {
    let mut out = Vec::new();
    let mut seq: BTreeMap<u32, u32> = BTreeMap::new();
    for month in 1..=12u32 {
        let start = workdays_of(month)[0];
        for p in 1..=5u32 {
            let months = if p <= 2 { 1 } else { 3 };
            if (month - 1) % months != 0 {
                continue;
            }
            let produced: Decimal = events
                .iter()
                .filter(|e| e.product == p && e.kind != PKind::Return)
                .filter(|e| e.date.month() >= month && e.date.month() < month + months)
                .map(|e| e.qty)
                .sum();
            let version = if p == 1 { p1_version(start) } else { 0 };
            let n = seq.entry(month).or_default();
            *n += 1;
            let order = format!("WO2025{month:02}-{n:02}");
            for &(m, net, g, _) in &boms[&(p, version)] {
                let declared = produced * g;
                let issued = if (p, m) == (2, 23) {
                    half_up(rng.vary(declared, -45, -35), 4)
                } else {
                    // Pieces are issued whole, kilograms to 4 decimals; never below declared.
                    let dp = if material(m).unit == "千克" { 4 } else { 0 };
                    rng.vary(declared, 0, 3)
                        .round_dp_with_strategy(dp, RoundingStrategy::ToPositiveInfinity)
                };
                let lost = issued - produced * net;
                let scrap = match m {
                    13 => Some((2, half_up(lost * d("0.048"), 4))),
                    14 => Some((2, half_up(lost * d("0.022"), 4))),
                    15 => Some((2, half_up(lost * d("0.085"), 4))),
                    22 => Some((1, half_up(lost * d("0.9"), 4))),
                    _ => None,
                }
                .filter(|(_, q)| *q > Decimal::ZERO);
                out.push(WorkOrderRow {
                    order: order.clone(),
                    date: start,
                    product: p,
                    produced,
                    material: m,
                    issued,
                    scrap,
                });
            }
        }
    }
    out
}

pub(crate) struct Sim {
    pub(crate) rng: Rng,
    pub(crate) boms: Boms,
    /// Per material, the planned consumption by date (returns left out).
    pub(crate) need: BTreeMap<u32, BTreeMap<NaiveDate, Decimal>>,
    pub(crate) balance: BTreeMap<u32, Decimal>,
    pub(crate) min_balance: BTreeMap<u32, Decimal>,
    pub(crate) scrap: BTreeMap<u32, Decimal>,
    /// Materials at the subcontractor.
    pub(crate) away: BTreeMap<u32, Decimal>,
    pub(crate) cap_used_usd: Decimal,
    pub(crate) lists: Vec<List>,
}

impl Sim {
    pub(crate) fn post(&mut self, item: u32, delta: Decimal, date: NaiveDate) {
        let b = self.balance.entry(item).or_default();
        *b += delta;
        assert!(
            *b >= Decimal::ZERO,
            "demo: material {item} would go negative on {date}: {b}"
        );
        let low = self.min_balance.entry(item).or_insert(*b);
        if *b < *low {
            *low = *b;
        }
    }

    pub(crate) fn bal(&self, item: u32) -> Decimal {
        self.balance.get(&item).copied().unwrap_or_default()
    }

    pub(crate) fn need(&self, item: u32, from: NaiveDate, days: u64) -> Decimal {
        self.need
            .get(&item)
            .map(|n| n.range(from..after(from, days)).map(|(_, v)| *v).sum())
            .unwrap_or_default()
    }

    pub(crate) fn emit(&mut self, date: NaiveDate, lines: Vec<Line>) {
        if !lines.is_empty() {
            self.lists.push(List { date, lines });
        }
    }

    /// Imports and carry-ins for materials that will not last TRIGGER days.
    pub(crate) fn replenish(&mut self, date: NaiveDate) {
        let mut by_supplier: BTreeMap<usize, Vec<Line>> = BTreeMap::new();
        let mut carried: Vec<Line> = Vec::new();
        for m in MATERIALS.iter() {
            let qty = if m.supply == Supply::Fixed {
                match FIXED_IMPORTS
                    .iter()
                    .find(|&&(mo, da, _)| ymd(mo, da) == date)
                {
                    Some(&(_, _, q)) => Decimal::from(q),
                    None => continue,
                }
            } else {
                let on_hand =
                    self.bal(m.item) - self.away.get(&m.item).copied().unwrap_or_default();
                if on_hand >= self.need(m.item, date, TRIGGER_DAYS) * d("1.1") {
                    continue;
                }
                let short = self.need(m.item, date, FILL_DAYS) * d("1.1") - on_hand;
                let lot = Decimal::from(m.lot);
                (short / lot).ceil() * lot
            };
            if qty <= Decimal::ZERO {
                continue;
            }
            let part = self.rng.maybe_part(m.parts);
            let supplier = match m.supply {
                Supply::Import(s) => s,
                Supply::Fixed => 5,
                Supply::CarryIn => {
                    let mut line = Line::new("0654", "I", "M", m.item, qty);
                    line.part = part;
                    line.peer = Some(CARRY_IN_PEER);
                    // The transfer price the carry-over was declared at: it values later
                    // domestic sales of the material.
                    line.unit_price = Some(d(m.price));
                    line.currency = Some(m.currency);
                    carried.push(line);
                    continue;
                }
            };
            let s = &SUPPLIERS[supplier];
            let price = half_up(self.rng.vary(d(m.price), -30, 30), 4);
            let mut line = Line::new("0615", "I", "M", m.item, qty);
            line.part = part;
            line.unit_price = Some(price);
            line.currency = Some(s.currency);
            let goods_value = qty * price;
            let cif = match s.terms {
                Terms::Cif => {
                    line.incoterm = Some("CIF");
                    goods_value
                }
                Terms::Cfr => {
                    line.incoterm = Some("CFR");
                    goods_value + half_up(goods_value * d("0.003"), 2)
                }
                Terms::Fob => {
                    line.incoterm = Some("FOB");
                    let freight = half_up(goods_value * Decimal::new(s.freight_permille, 3), 2)
                        .max(d("0.01"));
                    line.freight = Some(freight);
                    goods_value + freight + half_up((goods_value + freight) * d("0.003"), 2)
                }
            };
            self.cap_used_usd += if s.currency == "USD" {
                cif
            } else {
                cif * fx_rate(s.currency, date.month()) / fx_rate("USD", date.month())
            };
            by_supplier.entry(supplier).or_default().push(line);
        }
        for (_, lines) in by_supplier {
            for l in &lines {
                self.post(l.item, l.qty, date);
            }
            self.emit(date, lines);
        }
        for l in &carried {
            self.post(l.item, l.qty, date);
        }
        self.emit(date, carried);
    }

    /// The day's finished-goods lines, one list per customer.
    pub(crate) fn ship(&mut self, date: NaiveDate, events: &[&PEvent]) {
        let mut keys: Vec<&'static str> = Vec::new();
        for e in events {
            if !keys.contains(&e.key) {
                keys.push(e.key);
            }
        }
        for key in keys {
            let mut lines = Vec::new();
            for e in events.iter().filter(|e| e.key == key) {
                let (mode, dir) = match e.kind {
                    PKind::Export => ("0615", "E"),
                    PKind::CarryOut => ("0654", "E"),
                    PKind::DomesticSale => ("0644", "I"),
                    PKind::Return => ("4600", "I"),
                    PKind::Replacement => ("4600", "E"),
                };
                let p = product(e.product);
                let mut line = Line::new(mode, dir, "P", e.product, e.qty);
                line.part = self.rng.maybe_part(p.parts);
                line.bom_version = Some(e.version);
                if matches!(e.kind, PKind::Export | PKind::CarryOut) {
                    line.unit_price = Some(half_up(self.rng.vary(d(p.price), -20, 20), 4));
                    line.currency = Some("USD");
                }
                if e.kind == PKind::CarryOut {
                    line.peer = CARRY_OUT_PEERS
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, peer)| *peer);
                }
                let sign = if e.kind == PKind::Return {
                    Decimal::ONE
                } else {
                    -Decimal::ONE
                };
                for (m, q) in consumption(&self.boms, e.product, e.version, e.qty) {
                    self.post(m, q * sign, date);
                }
                lines.push(line);
            }
            self.emit(date, lines);
        }
    }

    /// A list of material lines other than imports, each posted as it is written. Outward
    /// processing leaves the balance alone and moves the goods held by the subcontractor.
    pub(crate) fn materials_line(
        &mut self,
        date: NaiveDate,
        mode: &'static str,
        dir: &'static str,
        lines: &[(u32, &str)],
    ) {
        let mut out = Vec::new();
        for &(item, qty) in lines {
            let qty = d(qty);
            let mut line = Line::new(mode, dir, "M", item, qty);
            line.part = self.rng.maybe_part(material(item).parts);
            match (mode, dir) {
                ("OWP", _) => {
                    line.subcontractor = Some(DEMO_SUBCONTRACTOR);
                    let on_book = self.bal(item);
                    let away = self.away.entry(item).or_default();
                    *away += if dir == "E" { qty } else { -qty };
                    assert!(
                        *away >= Decimal::ZERO,
                        "demo: more back from the subcontractor than sent"
                    );
                    assert!(
                        *away <= on_book,
                        "demo: outward processing beyond the balance"
                    );
                }
                ("0700", "I") => self.post(item, qty, date),
                ("0657", _) => {
                    line.peer = Some(DEMO_NEXT_ACCOUNT);
                    self.post(item, -qty, date);
                }
                _ => self.post(item, -qty, date),
            }
            out.push(line);
        }
        self.emit(date, out);
    }

    pub(crate) fn scrap_out(
        &mut self,
        date: NaiveDate,
        mode: &'static str,
        dir: &'static str,
        share: Decimal,
    ) {
        let mut lines = Vec::new();
        for &(item, _, _, _, price) in SCRAP.iter() {
            let stock = self.scrap.get(&item).copied().unwrap_or_default();
            let qty = (stock * share * Decimal::TEN).floor() / Decimal::TEN;
            if qty <= Decimal::ZERO {
                continue;
            }
            let mut line = Line::new(mode, dir, "S", item, qty);
            if mode == "0844" {
                line.unit_price = Some(d(price));
                line.currency = Some("CNY");
            }
            *self.scrap.entry(item).or_default() -= qty;
            lines.push(line);
        }
        self.emit(date, lines);
    }
}

pub(crate) fn build() -> Demo {
    let mut rng = Rng(SEED);
    let boms = boms();
    let events = plan(&mut rng);
    let orders = work_orders(&mut rng, &boms, &events);

    let mut need: BTreeMap<u32, BTreeMap<NaiveDate, Decimal>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind != PKind::Return) {
        for (m, q) in consumption(&boms, e.product, e.version, e.qty) {
            *need.entry(m).or_default().entry(e.date).or_default() += q;
        }
    }
    for &(month, day, mode, dir, lines) in MATERIAL_EVENTS.iter() {
        if dir == "E" || mode == "0644" {
            for &(m, q) in lines {
                *need
                    .entry(m)
                    .or_default()
                    .entry(ymd(month, day))
                    .or_default() += d(q);
            }
        }
    }
    let mut sim = Sim {
        rng,
        boms,
        need,
        balance: BTreeMap::new(),
        min_balance: BTreeMap::new(),
        scrap: BTreeMap::new(),
        away: BTreeMap::new(),
        cap_used_usd: Decimal::ZERO,
        lists: Vec::new(),
    };

    let mut date = ymd(1, 1);
    while date.year() == 2025 {
        for wo in orders.iter().filter(|w| w.date == date) {
            if let Some((item, qty)) = wo.scrap {
                *sim.scrap.entry(item).or_default() += qty;
            }
        }
        // Stock is checked on Mondays, Wednesdays, Fridays and the first day back from a holiday.
        let check_day = matches!(date.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri)
            || date.pred_opt().is_some_and(|y| !is_workday(y));
        if is_workday(date)
            && (check_day || FIXED_IMPORTS.iter().any(|&(m, x, _)| ymd(m, x) == date))
        {
            sim.replenish(date);
        }
        // Material inflows of the day (replacements, goods back from the subcontractor) come
        // before anything leaves; then the day's shipments; then the other materials leaving.
        let events_today = MATERIAL_EVENTS.iter().filter(|e| ymd(e.0, e.1) == date);
        for &(_, _, mode, dir, lines) in
            events_today.clone().filter(|e| e.3 == "I" && e.2 != "0644")
        {
            sim.materials_line(date, mode, dir, lines);
        }
        let today: Vec<&PEvent> = events.iter().filter(|e| e.date == date).collect();
        sim.ship(date, &today);
        for &(_, _, mode, dir, lines) in events_today.filter(|e| e.3 == "E" || e.2 == "0644") {
            sim.materials_line(date, mode, dir, lines);
        }
        match (date.month(), date.day()) {
            (3, 27) | (6, 26) | (9, 25) | (12, 23) => sim.scrap_out(date, "0844", "I", d("0.9")),
            (12, 18) => sim.scrap_out(date, "0400", "E", d("0.2")),
            _ => {}
        }
        date = after(date, 1);
    }

    // Stocktake: finished goods on the floor (converted back into materials by their BOM), the
    // materials' count = book balance less what those goods hold, with three differences.
    let finished = [(2u32, d("420")), (3u32, d("180"))];
    let differences = [(11u32, d("-1200")), (17, d("-36")), (23, d("3.5"))];
    let mut in_goods: BTreeMap<u32, Decimal> = BTreeMap::new();
    for &(p, qty) in &finished {
        for (m, q) in consumption(&sim.boms, p, 0, qty) {
            *in_goods.entry(m).or_default() += q;
        }
    }
    let mut stocktake: Vec<Count> = Vec::new();
    for m in MATERIALS.iter() {
        let expected = sim.bal(m.item) - in_goods.get(&m.item).copied().unwrap_or_default();
        let diff = differences
            .iter()
            .find(|(i, _)| *i == m.item)
            .map(|(_, q)| *q)
            .unwrap_or_default();
        let counted = half_up(expected + diff, 4);
        assert!(
            counted >= Decimal::ZERO,
            "demo: stocktake of material {} below zero",
            m.item
        );
        stocktake.push(("M", m.item, counted));
    }
    for &(p, qty) in &finished {
        stocktake.push(("P", p, qty));
    }

    Demo {
        lists: sim.lists,
        work_orders: orders,
        stocktake,
        balances: sim.balance,
        min_balances: sim.min_balance,
        cap_used_usd: sim.cap_used_usd,
    }
}
