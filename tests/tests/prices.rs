//! A supplied book's domestic sales (DOMAIN.md §8): a materials line without its
//! identical-goods price is bad input; a finished-goods line is valued from a `prices` file.

use bonded_tests::Store;

const B: &str = "B44038000002";

fn supplied() -> Store {
    let s = Store::init();
    s.run(&[
        "account",
        "open",
        "--account",
        B,
        "--company",
        "4403123456",
        "--kind",
        "supplied",
        "--level",
        "item",
        "--capacity-usd",
        "1000000",
        "--cycle-start",
        "2025-01-01",
        "--cycle-months",
        "12",
    ])
    .ok();
    s.load_ok(&[
        (
            "items.csv",
            "account,goods,item,hs,name,unit,price,currency\nB44038000002,M,1,8542319000,IC chip,PCS,2,USD\nB44038000002,P,101,8471300000,notebook,PCS,,\n",
        ),
        ("bom.csv", "account,product,material,version,net\nB44038000002,101,1,0,2\n"),
        ("fx.csv", "month,currency,cny_per_unit\n2025-02,USD,7\n2025-03,USD,7\n2025-04,USD,7\n"),
        ("tariff.csv", "hs,from,duty_pct,vat_pct\n8542319000,2025-01-01,0,13\n"),
        (
            "imports.csv",
            "ref,line,date,account,mode,dir,goods,qty,item\nI1,1,2025-02-01,B44038000002,0214,I,M,100,1\n",
        ),
    ]);
    s
}

#[test]
fn a_supplied_materials_sale_without_a_price_is_bad_input() {
    let s = supplied();
    s.load(&[(
        "sales.csv",
        "ref,line,date,account,mode,dir,goods,qty,item\nD1,1,2025-03-10,B44038000002,0245,I,M,5,1\n",
    )])
    .expect(2)
    .stderr_has("unit_price");
}

/// 10 notebooks consume 20 of material 1, at the prices file's 3 USD (dated 2025-03-01, on or
/// before the sale; the 2025-04-01 price is later): 20 × 3 × 7 = 420.00 CNY.
#[test]
fn a_supplied_finished_goods_sale_is_valued_from_the_prices_file() {
    let s = supplied();
    let sale = "ref,line,date,account,mode,dir,goods,qty,item\nD2,1,2025-03-10,B44038000002,0245,I,P,10,101\n";
    s.load(&[("sales.csv", sale)])
        .expect(2)
        .stderr_has("prices");
    s.load_ok(&[(
        "prices.csv",
        "account,item,date,unit_price,currency\nB44038000002,1,2025-03-01,3,USD\nB44038000002,1,2025-04-01,9,USD\n",
    )]);
    s.load_ok(&[("sales.csv", sale)]);
    let duty = s.json(&[
        "duty",
        "--account",
        B,
        "--month",
        "2025-03",
        "--filed",
        "2025-04-10",
    ]);
    assert_eq!(
        duty["lines"][0]["value_cny"].as_str(),
        Some("420.00"),
        "{duty}"
    );
}
