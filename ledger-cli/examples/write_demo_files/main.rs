//! Writes the demo book, `examples/*.csv`: a year (2025) of a Dongguan electronics maker's
//! purchased-material (进料) e-account at item level, as the CSV files the ledger loads. Those
//! files are THE demo book: `bonded demo` embeds them and the README's tour loads them; this
//! tool only makes them. Run `cargo run -p ledger-cli --example write_demo_files -- examples/`
//! after changing it; its test `examples_folder_matches` fails while the committed files differ.
//!
//! Deterministic: a fixed-seed PRNG, exact decimals, no clock. The generator keeps
//! every material's balance line by line while it writes, so the ledger accepts every file as it
//! stands (no balance below zero on any day, BOMs declared first, imports inside the capacity
//! cap, HS headings in scope).

mod build;
mod data;
mod render;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};

use build::*;
use data::*;
use render::*;

/// `write_demo_files DIR`: writes the demo's CSV files into DIR (created if need be).
fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cargo run -p ledger-cli --example write_demo_files -- examples/");
        return std::process::ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return std::process::ExitCode::FAILURE;
    }
    for (name, content) in demo_files() {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, content) {
            eprintln!("cannot write {}: {e}", path.display());
            return std::process::ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    std::process::ExitCode::SUCCESS
}

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
