//! Input encodings and headings (GB18030 with Chinese headings, UTF-8 with a byte-order mark)
//! and how the global options reach the store (after the subcommand, `BONDED_DATA`,
//! `BONDED_ACTOR`, the default `./bonded-data`).

use bonded_tests::{book, dec, run_command, Balance, Store, ACCOUNT};

/// A GB18030 encoding of `text` (every character must be encodable).
fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Material 3 "芯片B" (8542, 个, 2 USD), with Chinese headings only.
const ITEMS_ZH: &str = "\
账册号,料件成品标志,备案序号,商品编码,商品名称,计量单位,申报单价,币制
E44038000001,料件,3,8542390000,芯片B,个,2,USD
";

/// 800 of material 3 in (the price comes from the item), 50 re-exported: 750 left.
const MOVEMENTS_ZH: &str = "\
清单编号,行号,日期,账册号,监管方式,进出口标志,料件成品标志,数量,备案序号
QD2025001,1,2025-02-01,E44038000001,0615,进口,料件,800,3
QD2025002,1,2025-03-01,E44038000001,0664,出口,料件,50,3
";

#[test]
fn gb18030_files_with_chinese_headings_load() {
    let s = book();
    let items = gb18030(ITEMS_ZH);
    assert!(std::str::from_utf8(&items).is_err(), "really not UTF-8");
    s.write("料件.csv", items);
    s.write("清单.csv", gb18030(MOVEMENTS_ZH));
    s.run(&["load", "料件.csv", "清单.csv"]).ok();
    let b = s.balance("2025-12-31");
    assert_eq!(b.material(3, "imported"), dec("800"));
    assert_eq!(b.material(3, "re_exported"), dec("50"));
    assert_eq!(b.material(3, "balance"), dec("750"));
    let m3 = b.0["materials"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["item"] == "3"))
        .expect("material 3");
    assert_eq!(m3["name"], "芯片B");
    assert_eq!(m3["unit"], "个");
    // The same content again, as UTF-8: recognised as already recorded.
    s.write("清单-utf8.csv", MOVEMENTS_ZH);
    let again = s.json(&["load", "清单-utf8.csv"]);
    assert_eq!(again["files"][0]["recorded"], "0", "{again:#}");
}

#[test]
fn an_error_in_a_gb18030_file_is_located() {
    let s = book();
    s.write("料件.csv", gb18030(ITEMS_ZH));
    s.run(&["load", "料件.csv"]).ok();
    let bad = MOVEMENTS_ZH.replace(",50,", ",5O,");
    s.write("清单.csv", gb18030(&bad));
    let out = s.run(&["load", "清单.csv"]);
    out.expect(2).stderr_has("清单.csv:3: qty:");
}

#[test]
fn a_utf8_file_with_a_byte_order_mark_loads() {
    let s = book();
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         B,1,2025-01-10,E44038000001,0615,I,M,12.5,1,1.5,USD\n"
            .as_bytes(),
    );
    s.write("movements.csv", bytes);
    s.run(&["load", "movements.csv"]).ok();
    assert_eq!(s.balance("2025-12-31").material(1, "balance"), dec("12.5"));
}

#[test]
fn columns_may_come_in_any_order_and_crlf_line_ends() {
    let s = book();
    s.load_ok(&[(
        "movements.csv",
        "qty,item,currency,unit_price,goods,dir,mode,account,date,line,ref\r\n\
         7.25,2,USD,0.1,M,I,0615,E44038000001,2025-01-10,1,B\r\n",
    )]);
    assert_eq!(s.balance("2025-12-31").material(2, "balance"), dec("7.25"));
}

#[test]
fn global_options_may_follow_the_subcommand() {
    let s = book();
    let mut cmd = s.command();
    cmd.args(["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"])
        .args(["--format", "json", "--data"])
        .arg(s.data());
    let out = run_command(cmd);
    out.ok();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(json["account"], ACCOUNT);
    assert_eq!(Balance(json).material(1, "balance"), dec("0"));
}

#[test]
fn bonded_data_and_bonded_actor_come_from_the_environment() {
    let s = book();
    s.write(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         B,1,2025-01-10,E44038000001,0615,I,M,3,1,1.5,USD\n",
    );
    let mut cmd = s.command();
    cmd.env("BONDED_DATA", s.data())
        .env("BONDED_ACTOR", "clerk-wang")
        .args(["load", "movements.csv"]);
    run_command(cmd).ok();

    let mut cmd = s.command();
    cmd.env("BONDED_DATA", s.data()).args([
        "balance",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ]);
    let out = run_command(cmd);
    out.ok();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(Balance(json).material(1, "balance"), dec("3"));

    // Who recorded what: the fixture by --actor, the movement by BONDED_ACTOR.
    let lines = s.export_lines();
    let last: serde_json::Value =
        serde_json::from_str(lines.last().expect("events")).expect("json");
    assert_eq!(last["actor"], "clerk-wang");
    let first: serde_json::Value = serde_json::from_str(&lines[0]).expect("json");
    assert_eq!(first["actor"], "tester");
}

#[test]
fn the_command_line_beats_the_environment() {
    let s = book();
    let elsewhere = Store::new();
    let mut cmd = s.command();
    cmd.env("BONDED_DATA", elsewhere.data())
        .arg("--data")
        .arg(s.data())
        .args(["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"]);
    run_command(cmd).ok();
}

#[test]
fn the_default_store_is_bonded_data_in_the_working_directory() {
    let s = Store::new();
    let out = run_command({
        let mut cmd = s.command();
        cmd.arg("init");
        cmd
    });
    out.ok();
    assert!(s.path("bonded-data").is_dir());
    let out = run_command({
        let mut cmd = s.command();
        cmd.arg("verify");
        cmd
    });
    out.ok();
}
