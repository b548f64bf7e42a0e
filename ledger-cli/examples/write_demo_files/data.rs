//! The demo company's master data (materials, suppliers, products, BOMs, rates, tariffs),
//! its fixed events, and the small helpers (exact decimals, workdays, the seeded PRNG).

use super::*;

pub(crate) const SEED: u64 = 0x4443_3038_2025_0101;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Supply {
    /// Imported (0615) from `SUPPLIERS[n]` whenever stock runs low.
    Import(usize),
    /// Carried in (0654) from a domestic bonded supplier's book.
    CarryIn,
    /// Imported on fixed dates only (the hand-checked material).
    Fixed,
}

pub(crate) struct Material {
    pub(crate) item: u32,
    pub(crate) hs: &'static str,
    pub(crate) name: &'static str,
    pub(crate) spec: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) price: &'static str,
    pub(crate) currency: &'static str,
    pub(crate) parts: &'static [&'static str],
    pub(crate) supply: Supply,
    /// Orders are whole multiples of this (a reel, a tray, a bag).
    pub(crate) lot: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Terms {
    Cif,
    Fob,
    Cfr,
}

pub(crate) struct Supplier {
    pub(crate) currency: &'static str,
    pub(crate) terms: Terms,
    /// FOB freight as a share of the goods' price, in per mille.
    pub(crate) freight_permille: i64,
}

#[rustfmt::skip]
pub(crate) const SUPPLIERS: [Supplier; 6] = [
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
pub(crate) const MATERIALS: [Material; 30] = [
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
pub(crate) const FIXED_IMPORTS: [(u32, u32, i64); 4] = [
    (1, 6, 10_000),
    (4, 7, 8_000),
    (7, 7, 8_000),
    (10, 10, 6_000),
];

pub(crate) struct Product {
    pub(crate) item: u32,
    pub(crate) hs: &'static str,
    pub(crate) name: &'static str,
    pub(crate) spec: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) price: &'static str,
    pub(crate) parts: &'static [&'static str],
}

#[rustfmt::skip]
pub(crate) const PRODUCTS: [Product; 5] = [
    Product { item: 1, hs: "8517799000", name: "路由器主板", spec: "MT7621 双频千兆", unit: "个", price: "28.5", parts: &["RT-MB-7621", "RT-MB-7621-V2"] },
    Product { item: 2, hs: "8504401400", name: "电源适配器", spec: "12V 2A 24W", unit: "个", price: "3.6", parts: &["PA-12V2A-CN", "PA-12V2A-EU"] },
    Product { item: 3, hs: "8517629900", name: "无线路由器", spec: "AX1800 双频", unit: "台", price: "32", parts: &["WR-AX1800", "WR-AX1800-W"] },
    Product { item: 4, hs: "8471500000", name: "工控主机", spec: "嵌入式无风扇", unit: "台", price: "186", parts: &["IPC-E300"] },
    Product { item: 5, hs: "8471800000", name: "USB扩展坞", spec: "Type-C 七合一", unit: "个", price: "14.2", parts: &["DOCK-7IN1", "DOCK-7IN1-G"] },
];

/// Finished item 4's monthly exports: fixed, so material 26 can be checked by hand.
pub(crate) const P4_MONTHLY: [i64; 12] =
    [400, 300, 550, 600, 600, 650, 500, 600, 700, 650, 600, 450];

/// Scrap items (边角料): (item, hs, name, unit, CNY sale price per kg).
pub(crate) const SCRAP: [(u32, &str, &str, &str, &str); 2] = [
    (1, "7404000090", "废铜箔", "千克", "55"),
    (2, "8549990000", "废电路板", "千克", "8.5"),
];

/// (product, version, material, net, tangible %, intangible %, bonded %)
pub(crate) type BomRow = (
    u32,
    u32,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

pub(crate) const BOM: [BomRow; 55] = [
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
pub(crate) const FX: [(&str, &str, &str, &str); 12] = [
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
pub(crate) const FX_CURRENCIES: [&str; 4] = ["USD", "JPY", "EUR", "HKD"];

/// (HS code, duty %, consumption tax %) of every code the demo uses; VAT 13 % throughout.
pub(crate) const TARIFF: [(&str, &str, &str); 29] = [
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
pub(crate) type MaterialEvent = (
    u32,
    u32,
    &'static str,
    &'static str,
    &'static [(u32, &'static str)],
);
pub(crate) const MATERIAL_EVENTS: [MaterialEvent; 12] = [
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
pub(crate) const CARRY_OUT_PEERS: [(&str, &str); 2] =
    [("CO1", "E44190000588"), ("CO2", "E44030000217")];
/// The domestic bonded supplier whose book carries PCBs, resin and cables in (0654).
pub(crate) const CARRY_IN_PEER: &str = "E44190000736";

/// Replenishment: stock is topped up when it covers fewer than TRIGGER days, to FILL days.
pub(crate) const TRIGGER_DAYS: u64 = 7;
pub(crate) const FILL_DAYS: u64 = 11;

// ---------------------------------------------------------------------------------------------
// Small helpers

pub(crate) fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("a decimal literal of the demo tables")
}

pub(crate) fn ymd(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, month, day).expect("a date in 2025")
}

pub(crate) fn half_up(v: Decimal, dp: u32) -> Decimal {
    v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

pub(crate) fn fmt(v: Decimal) -> String {
    v.normalize().to_string()
}

pub(crate) fn after(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(chrono::Days::new(days))
        .expect("a date near 2025")
}

/// Gross unit consumption, as 金关二期 computes it (DOMAIN.md §1).
pub(crate) fn gross(net: Decimal, tangible: Decimal, intangible: Decimal) -> Decimal {
    half_up(
        net / (Decimal::ONE - (tangible + intangible) / Decimal::ONE_HUNDRED),
        9,
    )
}

/// Public holidays of 2025 on which the factory neither ships nor receives; Sundays are off too.
pub(crate) fn is_workday(date: NaiveDate) -> bool {
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

pub(crate) fn workday_on_or_after(mut date: NaiveDate) -> NaiveDate {
    while !is_workday(date) {
        date = after(date, 1);
    }
    date
}

pub(crate) fn workdays_of(month: u32) -> Vec<NaiveDate> {
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

pub(crate) fn material(item: u32) -> &'static Material {
    MATERIALS
        .iter()
        .find(|m| m.item == item)
        .expect("a material of the demo")
}

pub(crate) fn product(item: u32) -> &'static Product {
    PRODUCTS
        .iter()
        .find(|p| p.item == item)
        .expect("a product of the demo")
}

/// CNY per unit of `currency` in `month`.
pub(crate) fn fx_rate(currency: &str, month: u32) -> Decimal {
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
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number from `lo` to `hi`, both included.
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    /// `v` × (1000 + k) / 1000 for a k from `lo` to `hi` per mille.
    pub(crate) fn vary(&mut self, v: Decimal, lo: i64, hi: i64) -> Decimal {
        v * Decimal::new(1000 + self.between(lo, hi), 3)
    }

    /// One line in five names the part number instead of the item.
    pub(crate) fn maybe_part(&mut self, parts: &'static [&'static str]) -> Option<&'static str> {
        if self.between(0, 99) < 20 {
            Some(parts[self.between(0, parts.len() as i64 - 1) as usize])
        } else {
            None
        }
    }
}
