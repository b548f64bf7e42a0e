//! The generator checked against itself: the CSV text replayed gives the balances it kept,
//! no balance goes negative, imports stay under the cap, and `examples/` holds its output.

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
    let (mut min_balance, mut min_scrap, mut cap) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
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
            ("0657" | "0664" | "0700" | "0200", "E", "M") | ("0644", "I", "M") => post(item, -qty),
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

/// `examples/` holds exactly what the generator writes, so the demo book (embedded from there)
/// cannot drift from it. To rewrite them:
/// `cargo run -p ledger-cli --example write_demo_files -- examples/`.
#[test]
fn examples_folder_matches() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let regenerate = "cargo run -p ledger-cli --example write_demo_files -- examples/";
    for (name, content) in demo_files() {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run {regenerate}", path.display()));
        assert!(
            on_disk == content,
            "{} differs from the generator's output; run {regenerate}",
            path.display()
        );
    }
}
