//! The demo book of `bonded demo`: a year (2025) of a Dongguan electronics maker's
//! purchased-material (进料) e-account at item level, as the CSV files the ledger loads.
//! Deterministic: a fixed-seed PRNG, exact decimals, no I/O and no clock. The generator keeps
//! every material's balance line by line while it writes, so the ledger accepts every file as it
//! stands (no balance below zero on any day, BOMs declared first, imports inside the capacity
//! cap, HS headings in scope).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};

pub const DEMO_ACCOUNT: &str = "E44038000001";
pub const DEMO_COMPANY: &str = "4403960001";
// The names below are for the demo's narration and for tests; a caller may not need them all.
/// The company's new book, which receives the remaining materials (0657) in December.
#[cfg_attr(not(test), allow(dead_code))]
pub const DEMO_NEXT_ACCOUNT: &str = "E44038000002";
/// The outward-processing (外发加工) subcontractor.
#[cfg_attr(not(test), allow(dead_code))]
pub const DEMO_SUBCONTRACTOR: &str = "东莞市长安精密加工厂";

/// Flags for `bonded account open` (besides account, company, `--kind purchased --level item`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoHeader {
    /// The capacity cap in USD: about 1.5 × the year's CIF imports (USD 4,574,865.81).
    pub capacity_usd: &'static str,
    pub cycle_start: &'static str,
    pub cycle_months: u32,
    pub headings: &'static str,
}

pub fn demo_header() -> DemoHeader {
    DemoHeader {
        capacity_usd: "6900000",
        cycle_start: "2025-01-01",
        cycle_months: 12,
        headings: "3907,7318,7410,8471,8504,8517,8532,8533,8534,8536,8541,8542,8544",
    }
}

/// Three materials' balances at 2025-12-31, as the ledger must show them.
#[cfg_attr(not(test), allow(dead_code))]
pub fn demo_expectations() -> Vec<(u32, &'static str)> {
    vec![
        // Material 26 (六角螺母 M3), by hand. Only finished item 4 (工控主机) uses it: net 4, no
        // loss, bonded 100 %, so gross = 4 / (1 − 0/100) = 4.000000000. It is imported
        // 10,000 (Jan 6) + 8,000 (Apr 7) + 8,000 (Jul 7) + 6,000 (Oct 10) = 32,000, and nothing
        // else touches it. Item 4 is exported once a month, 400 + 300 + 550 + 600 + 600 + 650 +
        // 500 + 600 + 700 + 650 + 600 + 450 = 6,600 units, consuming 6,600 × 4 = 26,400.
        // 32,000 − 26,400 = 5,600. (Lowest point: 5,000 after the March export.)
        (26, "5600"),
        // Material 8 (0402 贴片电容): finished items 1 (two BOM versions) and 3; simulator.
        (8, "67122.44899815"),
        // Material 22 (屏蔽铜箔, kg): finished items 3 and 5; simulator.
        (22, "7.13682146"),
    ]
}

/// The demo's CSV files, in load order: (file name, contents). Same bytes on every call.
pub fn demo_files() -> Vec<(&'static str, String)> {
    let demo = build();
    vec![
        ("fx.csv", render_fx()),
        ("tariff.csv", render_tariff()),
        ("items.csv", render_items()),
        ("bom.csv", render_bom()),
        ("workorders.csv", render_work_orders(&demo.work_orders)),
        ("movements.csv", render_movements(&demo.lists)),
        ("stocktake.csv", render_stocktake(&demo.stocktake)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Master data

const SEED: u64 = 0x4443_3038_2025_0101;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Supply {
    /// Imported (0615) from `SUPPLIERS[n]` whenever stock runs low.
    Import(usize),
    /// Carried in (0654) from a domestic bonded supplier's book.
    CarryIn,
    /// Imported on fixed dates only (the hand-checked material).
    Fixed,
}

struct Material {
    item: u32,
    hs: &'static str,
    name: &'static str,
    spec: &'static str,
    unit: &'static str,
    price: &'static str,
    currency: &'static str,
    parts: &'static [&'static str],
    supply: Supply,
    /// Orders are whole multiples of this (a reel, a tray, a bag).
    lot: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Terms {
    Cif,
    Fob,
    Cfr,
}

struct Supplier {
    currency: &'static str,
    terms: Terms,
    /// FOB freight as a share of the goods' price, in per mille.
    freight_permille: i64,
}

#[rustfmt::skip]
const SUPPLIERS: [Supplier; 6] = [
    // 0: Hong Kong IC distributor
    Supplier { currency: "USD", terms: Terms::Cif, freight_permille: 0 },
    // 1: Japanese passive-component maker
    Supplier { currency: "JPY", terms: Terms::Cif, freight_permille: 0 },
    // 2: Hong Kong resistor and switch trader
    Supplier { currency: "HKD", terms: Terms::Cif, freight_permille: 0 },
    // 3: Taiwanese PCB and connector makers, FOB Keelung
    Supplier { currency: "USD", terms: Terms::Fob, freight_permille: 15 },
    // 4: German resin maker, CFR Yantian
    Supplier { currency: "EUR", terms: Terms::Cfr, freight_permille: 0 },
    // 5: Singapore general distributor
    Supplier { currency: "USD", terms: Terms::Cif, freight_permille: 0 },
];

#[rustfmt::skip]
const MATERIALS: [Material; 30] = [
    Material { item: 1, hs: "8542319000", name: "集成电路", spec: "主控芯片 MT7621A BGA", unit: "个", price: "3.85", currency: "USD", parts: &["IC-7621A", "IC-7621A-T"], supply: Supply::Import(0), lot: 500 },
    Material { item: 2, hs: "8542329000", name: "集成电路", spec: "DDR3存储芯片 256MB", unit: "个", price: "1.62", currency: "USD", parts: &["IC-DDR3-256", "IC-DDR3-256-R"], supply: Supply::Import(0), lot: 1000 },
    Material { item: 3, hs: "8542329000", name: "集成电路", spec: "SPI闪存芯片 16MB", unit: "个", price: "0.48", currency: "USD", parts: &["IC-NOR-16M"], supply: Supply::Import(0), lot: 1000 },
    Material { item: 4, hs: "8542399000", name: "集成电路", spec: "电源管理芯片 SOT-23-6", unit: "个", price: "0.36", currency: "USD", parts: &["IC-PMU-2306", "IC-PMU-2306B", "IC-PMU-2306C"], supply: Supply::Import(5), lot: 3000 },
    Material { item: 5, hs: "8542339000", name: "集成电路", spec: "运算放大器 SOP-8", unit: "个", price: "0.21", currency: "USD", parts: &["IC-OPA-358"], supply: Supply::Import(5), lot: 2500 },
    Material { item: 6, hs: "8541100000", name: "二极管", spec: "肖特基二极管 SMA 3A", unit: "个", price: "0.035", currency: "USD", parts: &["D-SS34", "D-SS34-A"], supply: Supply::Import(5), lot: 5000 },
    Material { item: 7, hs: "8541290000", name: "场效应晶体管", spec: "N沟道MOSFET DFN3x3", unit: "个", price: "0.09", currency: "USD", parts: &["Q-NMOS-30V", "Q-NMOS-30V-B"], supply: Supply::Import(5), lot: 3000 },
    Material { item: 8, hs: "8532241000", name: "贴片电容", spec: "多层瓷介电容 0402 100nF", unit: "个", price: "0.35", currency: "JPY", parts: &["C-0402-104", "C-0402-104-M", "C-0402-104-T"], supply: Supply::Import(1), lot: 10000 },
    Material { item: 9, hs: "8532241000", name: "贴片电容", spec: "多层瓷介电容 0603 1uF", unit: "个", price: "0.62", currency: "JPY", parts: &["C-0603-105", "C-0603-105-M"], supply: Supply::Import(1), lot: 4000 },
    Material { item: 10, hs: "8532220000", name: "铝电解电容", spec: "铝电解电容 470uF 25V", unit: "个", price: "4.80", currency: "JPY", parts: &["C-AL-477-25"], supply: Supply::Import(1), lot: 2000 },
    Material { item: 11, hs: "8533211000", name: "贴片电阻", spec: "厚膜电阻 0402 1%", unit: "个", price: "0.0095", currency: "HKD", parts: &["R-0402-F", "R-0402-F-Y"], supply: Supply::Import(2), lot: 10000 },
    Material { item: 12, hs: "8533211000", name: "贴片电阻", spec: "厚膜电阻 0603 1%", unit: "个", price: "0.012", currency: "HKD", parts: &["R-0603-F"], supply: Supply::Import(2), lot: 5000 },
    Material { item: 13, hs: "8534009000", name: "印刷电路板", spec: "路由器主板 四层 FR-4", unit: "片", price: "1.45", currency: "USD", parts: &["PCB-RT-4L", "PCB-RT-4L-V2"], supply: Supply::Import(3), lot: 500 },
    Material { item: 14, hs: "8534009000", name: "印刷电路板", spec: "电源板 双面 CEM-1", unit: "片", price: "0.62", currency: "USD", parts: &["PCB-PS-2L"], supply: Supply::CarryIn, lot: 1000 },
    Material { item: 15, hs: "8534009000", name: "印刷电路板", spec: "工控主板 六层 FR-4", unit: "片", price: "4.90", currency: "USD", parts: &["PCB-IPC-6L"], supply: Supply::Import(3), lot: 200 },
    Material { item: 16, hs: "8536690000", name: "连接器", spec: "RJ45网络插座 带灯", unit: "个", price: "0.28", currency: "USD", parts: &["CN-RJ45-LED", "CN-RJ45-LED-S"], supply: Supply::Import(3), lot: 1000 },
    Material { item: 17, hs: "8536690000", name: "连接器", spec: "USB Type-C插座 16针", unit: "个", price: "0.15", currency: "USD", parts: &["CN-TYPEC-16", "CN-TYPEC-16-B"], supply: Supply::Import(3), lot: 2000 },
    Material { item: 18, hs: "8536690000", name: "连接器", spec: "排针 2.54mm 2x20", unit: "个", price: "0.04", currency: "USD", parts: &["CN-HDR-2X20"], supply: Supply::Import(3), lot: 2000 },
    Material { item: 19, hs: "8536500000", name: "轻触开关", spec: "轻触开关 6x6mm", unit: "个", price: "0.35", currency: "HKD", parts: &["SW-TACT-66"], supply: Supply::Import(2), lot: 2000 },
    Material { item: 20, hs: "8504500000", name: "电感器", spec: "贴片功率电感 4.7uH", unit: "个", price: "0.06", currency: "USD", parts: &["L-PWR-4R7", "L-PWR-4R7-B"], supply: Supply::Import(5), lot: 4000 },
    Material { item: 21, hs: "8504319000", name: "变压器", spec: "开关电源变压器 EE16", unit: "个", price: "0.85", currency: "USD", parts: &["T-EE16-12V"], supply: Supply::Import(5), lot: 1000 },
    Material { item: 22, hs: "7410110000", name: "铜箔", spec: "屏蔽用电解铜箔 0.035mm", unit: "千克", price: "11.20", currency: "USD", parts: &["CU-FOIL-35"], supply: Supply::Import(5), lot: 50 },
    Material { item: 23, hs: "3907400000", name: "聚碳酸酯", spec: "PC塑料粒子 阻燃级", unit: "千克", price: "2.85", currency: "USD", parts: &["PC-FR-940", "PC-FR-940-W"], supply: Supply::CarryIn, lot: 25 },
    Material { item: 24, hs: "3907300000", name: "环氧树脂", spec: "灌封环氧树脂 双组份", unit: "千克", price: "6.40", currency: "EUR", parts: &["EP-POT-2K"], supply: Supply::Import(4), lot: 20 },
    Material { item: 25, hs: "7318159000", name: "螺钉", spec: "十字盘头螺钉 M3x6", unit: "个", price: "0.012", currency: "USD", parts: &["SC-M3X6", "SC-M3X6-N"], supply: Supply::Import(5), lot: 10000 },
    Material { item: 26, hs: "7318160000", name: "螺母", spec: "六角螺母 M3 镀镍", unit: "个", price: "0.008", currency: "USD", parts: &["NUT-M3"], supply: Supply::Fixed, lot: 1000 },
    Material { item: 27, hs: "8544422900", name: "电线", spec: "DC输出线 1.2米 带插头", unit: "根", price: "0.42", currency: "USD", parts: &["W-DC-120"], supply: Supply::CarryIn, lot: 1000 },
    Material { item: 28, hs: "8542319000", name: "集成电路", spec: "无线射频芯片 MT7905", unit: "个", price: "1.95", currency: "USD", parts: &["IC-7905", "IC-7905-T"], supply: Supply::Import(0), lot: 500 },
    Material { item: 29, hs: "8541600000", name: "晶体振荡器", spec: "无源晶振 40MHz 3225", unit: "个", price: "12.5", currency: "JPY", parts: &["X-40M-3225"], supply: Supply::Import(1), lot: 3000 },
    Material { item: 30, hs: "8536100000", name: "保险丝", spec: "贴片保险丝 2A 1206", unit: "个", price: "0.05", currency: "USD", parts: &["F-2A-1206"], supply: Supply::Import(3), lot: 3000 },
];

/// The fixed imports of material 26 (the hand-checked one): (month, day, qty).
const FIXED_IMPORTS: [(u32, u32, i64); 4] = [
    (1, 6, 10_000),
    (4, 7, 8_000),
    (7, 7, 8_000),
    (10, 10, 6_000),
];

struct Product {
    item: u32,
    hs: &'static str,
    name: &'static str,
    spec: &'static str,
    unit: &'static str,
    price: &'static str,
    parts: &'static [&'static str],
}

#[rustfmt::skip]
const PRODUCTS: [Product; 5] = [
    Product { item: 1, hs: "8517799000", name: "路由器主板", spec: "MT7621 双频千兆", unit: "个", price: "28.5", parts: &["RT-MB-7621", "RT-MB-7621-V2"] },
    Product { item: 2, hs: "8504401400", name: "电源适配器", spec: "12V 2A 24W", unit: "个", price: "3.6", parts: &["PA-12V2A-CN", "PA-12V2A-EU"] },
    Product { item: 3, hs: "8517629900", name: "无线路由器", spec: "AX1800 双频", unit: "台", price: "32", parts: &["WR-AX1800", "WR-AX1800-W"] },
    Product { item: 4, hs: "8471500000", name: "工控主机", spec: "嵌入式无风扇", unit: "台", price: "186", parts: &["IPC-E300"] },
    Product { item: 5, hs: "8471800000", name: "USB扩展坞", spec: "Type-C 七合一", unit: "个", price: "14.2", parts: &["DOCK-7IN1", "DOCK-7IN1-G"] },
];

/// Finished item 4's monthly exports: fixed, so material 26 can be checked by hand.
const P4_MONTHLY: [i64; 12] = [400, 300, 550, 600, 600, 650, 500, 600, 700, 650, 600, 450];

/// Scrap items (边角料): (item, hs, name, unit, CNY sale price per kg).
const SCRAP: [(u32, &str, &str, &str, &str); 2] = [
    (1, "7404000090", "废铜箔", "千克", "55"),
    (2, "8549990000", "废电路板", "千克", "8.5"),
];

/// (product, version, material, net, tangible %, intangible %, bonded %)
type BomRow = (
    u32,
    u32,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const BOM: [BomRow; 55] = [
    // 路由器主板, version 0 (to June)
    (1, 0, 1, "1", "0.3", "0.2", "100"),
    (1, 0, 2, "2", "0.5", "0.2", "100"),
    (1, 0, 3, "1", "0.5", "0.2", "100"),
    (1, 0, 7, "3", "1", "0.5", "100"),
    (1, 0, 8, "86", "1.5", "0.5", "100"),
    (1, 0, 11, "64", "2", "0.5", "100"),
    (1, 0, 13, "1", "1.2", "0.3", "100"),
    (1, 0, 16, "5", "0.6", "0.2", "100"),
    (1, 0, 28, "1", "0.3", "0.2", "100"),
    (1, 0, 29, "1", "0.8", "0.2", "100"),
    // 路由器主板, version 1 (from July: one more MOSFET, more decoupling capacitors)
    (1, 1, 1, "1", "0.3", "0.2", "100"),
    (1, 1, 2, "2", "0.5", "0.2", "100"),
    (1, 1, 3, "1", "0.5", "0.2", "100"),
    (1, 1, 7, "4", "1", "0.5", "100"),
    (1, 1, 8, "92", "1.5", "0.5", "100"),
    (1, 1, 11, "64", "2", "0.5", "100"),
    (1, 1, 13, "1", "1.2", "0.3", "100"),
    (1, 1, 16, "5", "0.6", "0.2", "100"),
    (1, 1, 28, "1", "0.3", "0.2", "100"),
    (1, 1, 29, "1", "0.8", "0.2", "100"),
    // 电源适配器
    (2, 0, 4, "1", "0.5", "0.3", "100"),
    (2, 0, 6, "4", "0.8", "0.2", "100"),
    (2, 0, 7, "2", "0.8", "0.2", "100"),
    (2, 0, 10, "3", "0.6", "0.2", "100"),
    (2, 0, 12, "18", "2", "0.5", "100"),
    (2, 0, 14, "1", "1.5", "0.5", "100"),
    (2, 0, 21, "1", "0.4", "0.1", "100"),
    (2, 0, 23, "0.085", "3", "1", "100"),
    (2, 0, 27, "1", "0.2", "0", "100"),
    (2, 0, 30, "1", "0.5", "0", "100"),
    // 无线路由器
    (3, 0, 1, "1", "0.3", "0.2", "100"),
    (3, 0, 2, "1", "0.5", "0.2", "100"),
    (3, 0, 8, "120", "1.5", "0.5", "100"),
    (3, 0, 16, "4", "0.6", "0.2", "100"),
    (3, 0, 17, "1", "0.5", "0.3", "100"),
    (3, 0, 22, "0.012", "4", "1", "100"),
    (3, 0, 23, "0.21", "3", "1", "100"),
    (3, 0, 25, "4", "1", "0", "100"),
    (3, 0, 28, "2", "0.3", "0.2", "100"),
    // 工控主机
    (4, 0, 5, "6", "0.5", "0.2", "100"),
    (4, 0, 9, "140", "1.5", "0.5", "100"),
    (4, 0, 11, "210", "2", "0.5", "100"),
    (4, 0, 15, "1", "1", "0.5", "100"),
    (4, 0, 18, "12", "0.5", "0", "100"),
    (4, 0, 19, "2", "0.5", "0", "100"),
    (4, 0, 24, "0.05", "2", "1", "100"),
    (4, 0, 26, "4", "0", "0", "100"),
    // USB扩展坞 (20 % of the electrolytic capacitors are bought domestically, not bonded)
    (5, 0, 4, "1", "0.5", "0.3", "100"),
    (5, 0, 10, "2", "0.6", "0.2", "80"),
    (5, 0, 12, "30", "2", "0.5", "100"),
    (5, 0, 17, "3", "0.5", "0.3", "100"),
    (5, 0, 20, "4", "1", "0.5", "100"),
    (5, 0, 22, "0.008", "4", "1", "100"),
    (5, 0, 23, "0.06", "3", "1", "100"),
    (5, 0, 25, "2", "1", "0", "100"),
];

/// CNY per unit, by month of 2025: (USD, JPY, EUR, HKD).
const FX: [(&str, &str, &str, &str); 12] = [
    ("7.1876", "0.047312", "7.5312", "0.9237"),
    ("7.1705", "0.047105", "7.4605", "0.9219"),
    ("7.1738", "0.048236", "7.5489", "0.9228"),
    ("7.1801", "0.048871", "7.8125", "0.9231"),
    ("7.2069", "0.049905", "8.0967", "0.9245"),
    ("7.1916", "0.049386", "8.1102", "0.9176"),
    ("7.1695", "0.049728", "8.2536", "0.9142"),
    ("7.1531", "0.048613", "8.3611", "0.9121"),
    ("7.1368", "0.048462", "8.3782", "0.9137"),
    ("7.1251", "0.048397", "8.3520", "0.9151"),
    ("7.1102", "0.047654", "8.2650", "0.9147"),
    ("7.1065", "0.047228", "8.2311", "0.9133"),
];
const FX_CURRENCIES: [&str; 4] = ["USD", "JPY", "EUR", "HKD"];

/// (HS code, duty %, consumption tax %) of every code the demo uses; VAT 13 % throughout.
const TARIFF: [(&str, &str, &str); 29] = [
    ("3907300000", "6.5", ""),
    ("3907400000", "6.5", ""),
    ("7318159000", "8", ""),
    ("7318160000", "8", ""),
    ("7404000090", "1.5", "0"),
    ("7410110000", "4", ""),
    ("8471500000", "0", ""),
    ("8471800000", "0", ""),
    ("8504319000", "5", ""),
    ("8504401400", "0", ""),
    ("8504500000", "3", ""),
    ("8517629900", "0", ""),
    ("8517799000", "0", ""),
    ("8532220000", "0", ""),
    ("8532241000", "0", ""),
    ("8533211000", "0", ""),
    ("8534009000", "0", ""),
    ("8536100000", "5", ""),
    ("8536500000", "0", ""),
    ("8536690000", "0", ""),
    ("8541100000", "0", ""),
    ("8544422900", "10", ""),
    ("8549990000", "0", ""),
    ("8541290000", "0", ""),
    ("8541600000", "0", ""),
    ("8542319000", "0", ""),
    ("8542329000", "0", ""),
    ("8542339000", "0", ""),
    ("8542399000", "0", ""),
];

/// Material lists other than imports: (month, day, mode, dir, [(item, qty)]). Outflows are
/// planned like shipments, so the replenishment buys for them in time.
type MaterialEvent = (
    u32,
    u32,
    &'static str,
    &'static str,
    &'static [(u32, &'static str)],
);
const MATERIAL_EVENTS: [MaterialEvent; 12] = [
    // Surplus capacitors and resistors sold on the domestic market (料件内销).
    (3, 18, "0644", "I", &[(9, "50000"), (12, "80000")]),
    // A defective lot of chips returned to the supplier (退换) and replaced.
    (4, 15, "0700", "E", &[(1, "300"), (28, "200")]),
    (4, 29, "0700", "I", &[(1, "300"), (28, "200")]),
    // Router PCBs sent out for conformal coating (外发加工) and back in two batches.
    (5, 12, "OWP", "E", &[(13, "2000")]),
    (5, 26, "OWP", "I", &[(13, "1200")]),
    (6, 9, "OWP", "I", &[(13, "800")]),
    (6, 17, "0644", "I", &[(20, "5000")]),
    (9, 16, "0644", "I", &[(23, "150.5")]),
    // Memory chips of the old router board re-exported (复出).
    (10, 20, "0664", "E", &[(2, "1500"), (3, "1000")]),
    (11, 18, "0644", "I", &[(30, "2000"), (6, "5000")]),
    // Expired potting resin destroyed (销毁).
    (11, 25, "0200", "E", &[(24, "12.5")]),
    // Remaining power-supply materials carried over to the new book (余料结转).
    (
        12,
        29,
        "0657",
        "E",
        &[(14, "3000"), (21, "2000"), (27, "2500")],
    ),
];

/// Export and carry-over customers: list key → peer book (carry-outs only).
const CARRY_OUT_PEERS: [(&str, &str); 2] = [("CO1", "E44190000588"), ("CO2", "E44030000217")];
/// The domestic bonded supplier whose book carries PCBs, resin and cables in (0654).
const CARRY_IN_PEER: &str = "E44190000736";

/// Replenishment: stock is topped up when it covers fewer than TRIGGER days, to FILL days.
const TRIGGER_DAYS: u64 = 7;
const FILL_DAYS: u64 = 11;

// ---------------------------------------------------------------------------------------------
// Small helpers

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("a decimal literal of the demo tables")
}

fn ymd(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, month, day).expect("a date in 2025")
}

fn half_up(v: Decimal, dp: u32) -> Decimal {
    v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

fn fmt(v: Decimal) -> String {
    v.normalize().to_string()
}

fn after(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(chrono::Days::new(days))
        .expect("a date near 2025")
}

/// Gross unit consumption, as 金关二期 computes it (DOMAIN.md §1).
fn gross(net: Decimal, tangible: Decimal, intangible: Decimal) -> Decimal {
    half_up(
        net / (Decimal::ONE - (tangible + intangible) / Decimal::ONE_HUNDRED),
        9,
    )
}

/// Public holidays of 2025 on which the factory neither ships nor receives; Sundays are off too.
fn is_workday(date: NaiveDate) -> bool {
    const OFF: [((u32, u32), (u32, u32)); 6] = [
        ((1, 1), (1, 1)),
        ((1, 28), (2, 4)),
        ((4, 4), (4, 6)),
        ((5, 1), (5, 5)),
        ((5, 31), (6, 2)),
        ((10, 1), (10, 8)),
    ];
    date.weekday() != Weekday::Sun
        && !OFF
            .iter()
            .any(|&((m1, d1), (m2, d2))| date >= ymd(m1, d1) && date <= ymd(m2, d2))
}

fn workday_on_or_after(mut date: NaiveDate) -> NaiveDate {
    while !is_workday(date) {
        date = after(date, 1);
    }
    date
}

fn workdays_of(month: u32) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut date = ymd(month, 1);
    while date.month() == month {
        if is_workday(date) {
            out.push(date);
        }
        date = after(date, 1);
    }
    out
}

fn material(item: u32) -> &'static Material {
    MATERIALS
        .iter()
        .find(|m| m.item == item)
        .expect("a material of the demo")
}

fn product(item: u32) -> &'static Product {
    PRODUCTS
        .iter()
        .find(|p| p.item == item)
        .expect("a product of the demo")
}

/// CNY per unit of `currency` in `month`.
fn fx_rate(currency: &str, month: u32) -> Decimal {
    let row = FX[(month - 1) as usize];
    d(match currency {
        "USD" => row.0,
        "JPY" => row.1,
        "EUR" => row.2,
        "HKD" => row.3,
        other => panic!("no demo exchange rate for {other}"),
    })
}

/// splitmix64: a small, fixed-seed generator, so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number from `lo` to `hi`, both included.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    /// `v` × (1000 + k) / 1000 for a k from `lo` to `hi` per mille.
    fn vary(&mut self, v: Decimal, lo: i64, hi: i64) -> Decimal {
        v * Decimal::new(1000 + self.between(lo, hi), 3)
    }

    /// One line in five names the part number instead of the item.
    fn maybe_part(&mut self, parts: &'static [&'static str]) -> Option<&'static str> {
        if self.between(0, 99) < 20 {
            Some(parts[self.between(0, parts.len() as i64 - 1) as usize])
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The generated year

#[derive(Debug, Clone, PartialEq)]
struct Line {
    mode: &'static str,
    dir: &'static str,
    goods: &'static str,
    item: u32,
    part: Option<&'static str>,
    qty: Decimal,
    unit_price: Option<Decimal>,
    currency: Option<&'static str>,
    incoterm: Option<&'static str>,
    freight: Option<Decimal>,
    bom_version: Option<u32>,
    peer: Option<&'static str>,
    subcontractor: Option<&'static str>,
}

impl Line {
    fn new(
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
struct List {
    date: NaiveDate,
    lines: Vec<Line>,
}

struct WorkOrderRow {
    order: String,
    date: NaiveDate,
    product: u32,
    produced: Decimal,
    material: u32,
    issued: Decimal,
    scrap: Option<(u32, Decimal)>,
}

/// (goods, item, qty)
type Count = (&'static str, u32, Decimal);

/// The year's lists and what the simulation ended with (the figures are read by the tests).
#[cfg_attr(not(test), allow(dead_code))]
struct Demo {
    lists: Vec<List>,
    work_orders: Vec<WorkOrderRow>,
    stocktake: Vec<Count>,
    balances: BTreeMap<u32, Decimal>,
    min_balances: BTreeMap<u32, Decimal>,
    cap_used_usd: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PKind {
    Export,
    CarryOut,
    DomesticSale,
    Return,
    Replacement,
}

/// A planned finished-goods line: it consumes (or, for a return, gives back) materials.
struct PEvent {
    date: NaiveDate,
    key: &'static str,
    kind: PKind,
    product: u32,
    version: u32,
    qty: Decimal,
}

type Boms = BTreeMap<(u32, u32), Vec<(u32, Decimal, Decimal, Decimal)>>;

/// (product, version) → [(material, net, gross, bonded %)]
fn boms() -> Boms {
    let mut out: Boms = BTreeMap::new();
    for &(p, v, m, net, t, i, b) in BOM.iter() {
        out.entry((p, v))
            .or_default()
            .push((m, d(net), gross(d(net), d(t), d(i)), d(b)));
    }
    out
}

/// Bonded material consumed by `qty` units of `product` under `version`.
fn consumption(boms: &Boms, product: u32, version: u32, qty: Decimal) -> Vec<(u32, Decimal)> {
    boms[&(product, version)]
        .iter()
        .map(|&(m, _, g, b)| (m, qty * g * b / Decimal::ONE_HUNDRED))
        .collect()
}

fn p1_version(date: NaiveDate) -> u32 {
    if date >= ymd(7, 1) {
        1
    } else {
        0
    }
}

/// Splits `total` over `n` shipments of slightly different sizes, each a multiple of 10.
fn split(rng: &mut Rng, total: Decimal, n: usize) -> Vec<Decimal> {
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
fn plan(rng: &mut Rng) -> Vec<PEvent> {
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
fn work_orders(rng: &mut Rng, boms: &Boms, events: &[PEvent]) -> Vec<WorkOrderRow> {
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

struct Sim {
    rng: Rng,
    boms: Boms,
    /// Per material, the planned consumption by date (returns left out).
    need: BTreeMap<u32, BTreeMap<NaiveDate, Decimal>>,
    balance: BTreeMap<u32, Decimal>,
    min_balance: BTreeMap<u32, Decimal>,
    scrap: BTreeMap<u32, Decimal>,
    /// Materials at the subcontractor.
    away: BTreeMap<u32, Decimal>,
    cap_used_usd: Decimal,
    lists: Vec<List>,
}

impl Sim {
    fn post(&mut self, item: u32, delta: Decimal, date: NaiveDate) {
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

    fn bal(&self, item: u32) -> Decimal {
        self.balance.get(&item).copied().unwrap_or_default()
    }

    fn need(&self, item: u32, from: NaiveDate, days: u64) -> Decimal {
        self.need
            .get(&item)
            .map(|n| n.range(from..after(from, days)).map(|(_, v)| *v).sum())
            .unwrap_or_default()
    }

    fn emit(&mut self, date: NaiveDate, lines: Vec<Line>) {
        if !lines.is_empty() {
            self.lists.push(List { date, lines });
        }
    }

    /// Imports and carry-ins for materials that will not last TRIGGER days.
    fn replenish(&mut self, date: NaiveDate) {
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
    fn ship(&mut self, date: NaiveDate, events: &[&PEvent]) {
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
    fn materials_line(
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

    fn scrap_out(
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

fn build() -> Demo {
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

// ---------------------------------------------------------------------------------------------
// Rendering

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn row(fields: &[String]) -> String {
    let mut out = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    out
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn render_fx() -> String {
    let mut out = String::from("month,currency,cny_per_unit\n");
    for month in 1..=12u32 {
        for c in FX_CURRENCIES {
            let row = FX[(month - 1) as usize];
            let rate = match c {
                "USD" => row.0,
                "JPY" => row.1,
                "EUR" => row.2,
                _ => row.3,
            };
            out.push_str(&format!("2025-{month:02},{c},{rate}\n"));
        }
    }
    // The first quarter of 2026 at December's rates: the write-off report of 2025 is made then,
    // and values the year's shortages at the rates of its month.
    for month in 1..=3u32 {
        for c in FX_CURRENCIES {
            let row = FX[11];
            let rate = match c {
                "USD" => row.0,
                "JPY" => row.1,
                "EUR" => row.2,
                _ => row.3,
            };
            out.push_str(&format!("2026-{month:02},{c},{rate}\n"));
        }
    }
    out
}

fn render_tariff() -> String {
    let mut out = String::from("hs,from,duty_pct,vat_pct,consumption_pct\n");
    for (hs, duty, ct) in TARIFF {
        out.push_str(&format!("{hs},2025-01-01,{duty},13,{ct}\n"));
    }
    out
}

fn render_items() -> String {
    let mut out = String::from("account,goods,item,hs,name,unit,spec,price,currency,parts\n");
    for m in MATERIALS.iter() {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            "M".into(),
            m.item.to_string(),
            m.hs.into(),
            m.name.into(),
            m.unit.into(),
            m.spec.into(),
            m.price.into(),
            m.currency.into(),
            m.parts.join("|"),
        ]));
    }
    for p in PRODUCTS.iter() {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            "P".into(),
            p.item.to_string(),
            p.hs.into(),
            p.name.into(),
            p.unit.into(),
            p.spec.into(),
            p.price.into(),
            "USD".into(),
            p.parts.join("|"),
        ]));
    }
    for (item, hs, name, unit, price) in SCRAP {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            "S".into(),
            item.to_string(),
            hs.into(),
            name.into(),
            unit.into(),
            "生产边角料".into(),
            price.into(),
            "CNY".into(),
            String::new(),
        ]));
    }
    out
}

fn render_bom() -> String {
    let mut out = String::from(
        "account,product,material,version,net,tangible_loss_pct,intangible_loss_pct,bonded_pct\n",
    );
    for (p, v, m, net, t, i, b) in BOM {
        out.push_str(&format!("{DEMO_ACCOUNT},{p},{m},{v},{net},{t},{i},{b}\n"));
    }
    out
}

fn render_work_orders(rows: &[WorkOrderRow]) -> String {
    let mut out =
        String::from("account,order,date,product,produced,material,issued,scrap_item,scrap_qty\n");
    for w in rows {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            w.order.clone(),
            w.date.to_string(),
            w.product.to_string(),
            fmt(w.produced),
            w.material.to_string(),
            fmt(w.issued),
            opt(w.scrap.map(|s| s.0)),
            opt(w.scrap.map(|s| fmt(s.1))),
        ]));
    }
    out
}

fn render_movements(lists: &[List]) -> String {
    let mut out = String::from(
        "ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency,incoterm,freight,insurance,bom_version,peer_account,subcontractor\n",
    );
    let mut seq: BTreeMap<u32, u32> = BTreeMap::new();
    for list in lists {
        let n = seq.entry(list.date.month()).or_default();
        *n += 1;
        let reference = format!("QD{}{:02}{:04}", list.date.year(), list.date.month(), n);
        for (i, l) in list.lines.iter().enumerate() {
            out.push_str(&row(&[
                reference.clone(),
                (i + 1).to_string(),
                list.date.to_string(),
                DEMO_ACCOUNT.into(),
                l.mode.into(),
                l.dir.into(),
                l.goods.into(),
                fmt(l.qty),
                if l.part.is_some() {
                    String::new()
                } else {
                    l.item.to_string()
                },
                opt(l.part),
                opt(l.unit_price.map(fmt)),
                opt(l.currency),
                opt(l.incoterm),
                opt(l.freight.map(fmt)),
                String::new(),
                opt(l.bom_version),
                opt(l.peer),
                opt(l.subcontractor),
            ]));
        }
    }
    out
}

fn render_stocktake(counts: &[Count]) -> String {
    let mut out = String::from("account,date,item,qty,goods\n");
    for (goods, item, qty) in counts {
        out.push_str(&format!(
            "{DEMO_ACCOUNT},2025-12-31,{item},{},{goods}\n",
            fmt(*qty)
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// The files as (header, rows), each row a column → value map: tests read what the ledger reads.
    fn table(files: &[(&'static str, String)], name: &str) -> Vec<BTreeMap<String, String>> {
        let text = &files
            .iter()
            .find(|(n, _)| *n == name)
            .expect("file present")
            .1;
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .expect("header")
            .split(',')
            .map(str::to_string)
            .collect();
        lines
            .map(|l| {
                assert!(!l.contains('"'), "{name}: quoting not expected: {l}");
                let cells: Vec<&str> = l.split(',').collect();
                assert_eq!(cells.len(), header.len(), "{name}: {l}");
                header
                    .iter()
                    .cloned()
                    .zip(cells.iter().map(|c| c.to_string()))
                    .collect()
            })
            .collect()
    }

    /// What the ledger would compute, replayed from the CSV text alone.
    struct Replay {
        balances: BTreeMap<u32, Decimal>,
        min_balance: Decimal,
        min_scrap: Decimal,
        cap_used_usd: Decimal,
        lines: usize,
    }

    fn replay(files: &[(&'static str, String)]) -> Replay {
        let mut parts: BTreeMap<String, (String, u32)> = BTreeMap::new();
        for r in table(files, "items.csv") {
            for p in r["parts"].split('|').filter(|p| !p.is_empty()) {
                let before = parts.insert(
                    p.to_string(),
                    (r["goods"].clone(), r["item"].parse().expect("item")),
                );
                assert!(before.is_none(), "part {p} merged twice");
            }
        }
        let mut boms: Boms = BTreeMap::new();
        for r in table(files, "bom.csv") {
            let key = (
                r["product"].parse().expect("product"),
                r["version"].parse().expect("version"),
            );
            let net = d(&r["net"]);
            boms.entry(key).or_default().push((
                r["material"].parse().expect("material"),
                net,
                gross(
                    net,
                    d(&r["tangible_loss_pct"]),
                    d(&r["intangible_loss_pct"]),
                ),
                d(&r["bonded_pct"]),
            ));
        }
        let mut fx: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for r in table(files, "fx.csv") {
            fx.insert(
                (r["month"].clone(), r["currency"].clone()),
                d(&r["cny_per_unit"]),
            );
        }
        let mut scrap_made: Vec<(NaiveDate, u32, Decimal)> = Vec::new();
        for r in table(files, "workorders.csv") {
            if !r["scrap_item"].is_empty() {
                scrap_made.push((
                    r["date"].parse().expect("date"),
                    r["scrap_item"].parse().expect("scrap"),
                    d(&r["scrap_qty"]),
                ));
            }
        }

        let mut balances: BTreeMap<u32, Decimal> = BTreeMap::new();
        let mut away: BTreeMap<u32, Decimal> = BTreeMap::new();
        let mut scrap_out: BTreeMap<u32, Decimal> = BTreeMap::new();
        let (mut min_balance, mut min_scrap, mut cap) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let mut last_date = ymd(1, 1);
        let rows = table(files, "movements.csv");
        for r in &rows {
            let date: NaiveDate = r["date"].parse().expect("date");
            assert!(date >= last_date, "movements in date order");
            last_date = date;
            let goods = r["goods"].as_str();
            let item: u32 = if r["item"].is_empty() {
                let (g, i) = &parts[&r["part"]];
                assert_eq!(g, goods, "part {} of the line's goods", r["part"]);
                *i
            } else {
                r["item"].parse().expect("item")
            };
            let qty = d(&r["qty"]);
            let (mode, dir) = (r["mode"].as_str(), r["dir"].as_str());
            let mut post = |m: u32, delta: Decimal| {
                let b = balances.entry(m).or_default();
                *b += delta;
                min_balance = min_balance.min(*b);
            };
            match (mode, dir, goods) {
                ("0615" | "0654" | "0700" | "0657", "I", "M") => post(item, qty),
                ("0657" | "0664" | "0700" | "0200", "E", "M") | ("0644", "I", "M") => {
                    post(item, -qty)
                }
                ("0615" | "0654" | "4600", "E", "P") | ("0644" | "4600", "I", "P") => {
                    let version: u32 = r["bom_version"].parse().expect("bom_version");
                    let sign = if (mode, dir) == ("4600", "I") {
                        Decimal::ONE
                    } else {
                        -Decimal::ONE
                    };
                    for &(m, _, g, b) in &boms[&(item, version)] {
                        post(m, sign * qty * g * b / Decimal::ONE_HUNDRED);
                    }
                }
                ("0844", "I", "S") | ("0864" | "0400", "E", "S") => {
                    *scrap_out.entry(item).or_default() += qty;
                    let made: Decimal = scrap_made
                        .iter()
                        .filter(|(dt, i, _)| *dt <= date && *i == item)
                        .map(|x| x.2)
                        .sum();
                    min_scrap = min_scrap.min(made - scrap_out[&item]);
                }
                ("OWP", "E", "M") => {
                    let held = away.entry(item).or_default();
                    *held += qty;
                    assert!(
                        *held <= balances[&item],
                        "outward processing beyond the balance"
                    );
                }
                ("OWP", "I", "M") => {
                    let held = away.entry(item).or_default();
                    *held -= qty;
                    assert!(
                        *held >= Decimal::ZERO,
                        "more back from the subcontractor than sent"
                    );
                }
                other => panic!("not a contract combination for a purchased book: {other:?}"),
            }
            if mode == "0615" && dir == "I" {
                let value = qty * d(&r["unit_price"]);
                let cif = match r["incoterm"].as_str() {
                    "CIF" => value,
                    "CFR" => value + half_up(value * d("0.003"), 2),
                    "FOB" => {
                        let freight = d(&r["freight"]);
                        value + freight + half_up((value + freight) * d("0.003"), 2)
                    }
                    other => panic!("incoterm {other}"),
                };
                let month = r["date"][..7].to_string();
                let ccy = r["currency"].clone();
                cap += if ccy == "USD" {
                    cif
                } else {
                    cif * fx[&(month.clone(), ccy)] / fx[&(month, "USD".to_string())]
                };
            }
        }
        Replay {
            balances,
            min_balance,
            min_scrap,
            cap_used_usd: cap,
            lines: rows.len(),
        }
    }

    #[test]
    fn the_same_bytes_every_call() {
        assert_eq!(demo_files(), demo_files());
    }

    #[test]
    fn no_balance_goes_negative() {
        let demo = build();
        for (item, low) in &demo.min_balances {
            assert!(*low >= Decimal::ZERO, "material {item} went to {low}");
        }
        let r = replay(&demo_files());
        assert!(
            r.min_balance >= Decimal::ZERO,
            "replay: a material went to {}",
            r.min_balance
        );
        assert!(
            r.min_scrap >= Decimal::ZERO,
            "replay: scrap went to {}",
            r.min_scrap
        );
        assert_eq!(
            r.balances, demo.balances,
            "the replay agrees with the generator"
        );
        assert!(
            (1500..=3000).contains(&r.lines),
            "{} movement lines",
            r.lines
        );
    }

    #[test]
    fn imports_stay_inside_the_capacity_cap() {
        let demo = build();
        let r = replay(&demo_files());
        // The same sum, added in another order: equal to far below a cent.
        assert_eq!(half_up(r.cap_used_usd, 6), half_up(demo.cap_used_usd, 6));
        let cap = d(demo_header().capacity_usd);
        assert!(
            r.cap_used_usd <= cap,
            "imports {} over the cap {cap}",
            r.cap_used_usd
        );
        assert!(
            r.cap_used_usd * d("1.3") <= cap,
            "the cap leaves room: {}",
            r.cap_used_usd
        );
        assert!(
            r.cap_used_usd * d("1.7") >= cap,
            "the cap is not absurdly high: {}",
            r.cap_used_usd
        );
    }

    #[test]
    fn expectations_are_what_the_book_gives() {
        let r = replay(&demo_files());
        for (item, want) in demo_expectations() {
            // As the ledger prints it: exact, without trailing zeros.
            assert_eq!(fmt(r.balances[&item]), want, "material {item}");
        }
    }

    #[test]
    fn master_data_is_consistent() {
        let files = demo_files();
        let headings: Vec<&str> = demo_header().headings.split(',').collect();
        let items = table(&files, "items.csv");
        for r in &items {
            assert_eq!(r["hs"].len(), 10, "{r:?}");
            if r["goods"] != "S" {
                assert!(headings.contains(&&r["hs"][..4]), "heading of {r:?}");
            }
        }
        let tariff: Vec<String> = table(&files, "tariff.csv")
            .iter()
            .map(|r| r["hs"].clone())
            .collect();
        for r in items.iter().filter(|r| r["goods"] != "P") {
            assert!(tariff.contains(&r["hs"]), "tariff for {}", r["hs"]);
        }
        let boms: Vec<(String, String)> = table(&files, "bom.csv")
            .iter()
            .map(|r| (r["product"].clone(), r["version"].clone()))
            .collect();
        for r in table(&files, "movements.csv")
            .iter()
            .filter(|r| r["goods"] == "P")
        {
            assert!(!r["bom_version"].is_empty());
            let product = if r["item"].is_empty() {
                items
                    .iter()
                    .find(|i| i["parts"].split('|').any(|p| p == r["part"]))
                    .expect("part")["item"]
                    .clone()
            } else {
                r["item"].clone()
            };
            assert!(
                boms.contains(&(product, r["bom_version"].clone())),
                "BOM for {r:?}"
            );
        }
        for (name, text) in &files {
            assert!(
                text.starts_with(|c: char| c.is_ascii_lowercase()),
                "{name} starts with its header"
            );
        }
    }

    #[test]
    fn csv_numbers_have_at_most_four_decimals() {
        let files = demo_files();
        for (file, cols) in [
            ("movements.csv", &["qty", "unit_price", "freight"][..]),
            ("workorders.csv", &["produced", "issued", "scrap_qty"][..]),
            ("stocktake.csv", &["qty"][..]),
            ("items.csv", &["price"][..]),
        ] {
            for r in table(&files, file) {
                for c in cols {
                    if !r[*c].is_empty() {
                        let v = d(&r[*c]);
                        assert!(v.scale() <= 4 && v > Decimal::ZERO, "{file} {c} {v}");
                    }
                }
            }
        }
    }

    #[test]
    fn one_pair_is_under_declared_gross() {
        let demo = build();
        let boms = boms();
        for w in &demo.work_orders {
            let version = if w.product == 1 {
                p1_version(w.date)
            } else {
                0
            };
            let g = boms[&(w.product, version)]
                .iter()
                .find(|x| x.0 == w.material)
                .expect("in BOM")
                .2;
            let below = w.issued < w.produced * g;
            assert_eq!(
                below,
                (w.product, w.material) == (2, 23),
                "{} {} {}",
                w.order,
                w.product,
                w.material
            );
        }
    }

    /// `examples/` holds exactly these files; `BONDED_REGENERATE_EXAMPLES=1` rewrites them.
    #[test]
    fn examples_folder_matches() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let regenerate = std::env::var("BONDED_REGENERATE_EXAMPLES").is_ok_and(|v| v == "1");
        if regenerate {
            std::fs::create_dir_all(&dir).expect("create examples/");
        }
        for (name, content) in demo_files() {
            let path = dir.join(name);
            if regenerate {
                std::fs::write(&path, &content).expect("write example");
            }
            let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; run with BONDED_REGENERATE_EXAMPLES=1",
                    path.display()
                )
            });
            assert!(
                on_disk == content,
                "{} differs from demo_files(); run with BONDED_REGENERATE_EXAMPLES=1",
                path.display()
            );
        }
    }
}
