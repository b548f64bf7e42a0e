//! The round trip with the customs declaration client, run with the real binary: a list
//! exported as INV101 (and refused, naming the element and the setting, when a value is
//! missing), the file loaded back into a fresh store giving the same balances, every kind of
//! receipt moving the list as the lifecycle says (a GB2312 one too), a receipt for a book the
//! store does not hold refused with nothing written, the same receipt twice changing nothing,
//! reconciliation finding a returned list and nothing when book and customs agree, and the
//! write-off declaration EMS121 whose identity columns are those of the cycle report.

use bonded_tests::{dec, json_dec, Store};
use serde_json::Value;

const BOOK: &str = "E44038000001";
const REF: &str = "IMP20260042";

/// The fixtures of the core's message tests: receipts written for the specification's example
/// list (book E44038000001, list IMP20260042, pre-entry number 202600000123456789).
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../ledger-core/src/messages/testdata/",
            $name
        ))
    };
}

const ITEMS: &str = "\
account,goods,item,hs,name,unit,spec,price,currency,parts,unit_code,lawf_unit,lawf_factor,secd_lawf_unit,secd_factor,wt_factor,origin
E44038000001,M,1,3907400000,聚碳酸酯粒子,kg,粒状|聚碳酸酯|黑色|注塑级,2.35,USD,PC-PELLET-BK,035,035,1,,,1,116
E44038000001,M,7,8542399000,集成电路,pcs,单片机|QFP48封装|示例牌|MCU4410,0.182,USD,IC-MCU-4410,007,007,1,035,0.0001825,0.0001825,132
";

/// The specification's example list: two material lines imported on 16 March 2026.
const MOVEMENTS: &str = "\
ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency,gross_wt
IMP20260042,1,2026-03-16,E44038000001,0615,I,M,12500,1,,2.35,USD,12740.5
IMP20260042,2,2026-03-16,E44038000001,0615,I,M,200000,7,,0.182,USD,52.8
";

/// Every message setting a list needs, as `account set` takes them.
const SETTINGS: [&str; 9] = [
    "sccd=91441900MA4W0B0X1A",
    "company_name=东莞示例电子有限公司",
    "declarant_code=4419980CD1",
    "declarant_sccd=91441900MA4W0C0Y2B",
    "declarant_name=东莞示例报关有限公司",
    "customs_office=5204",
    "port=5301",
    "transport=4",
    "country=110",
];

/// A store with the book open (2026 cycle), its message settings when `settings`, the items.
fn book(settings: bool) -> Store {
    let s = Store::init();
    s.run(&[
        "account",
        "open",
        "--account",
        BOOK,
        "--company",
        "44199600AB",
        "--kind",
        "purchased",
        "--level",
        "item",
        "--capacity-usd",
        "1000000",
        "--cycle-start",
        "2026-01-01",
        "--cycle-months",
        "12",
        "--headings",
        "3907,8542",
    ])
    .ok();
    if settings {
        let mut args = vec!["account", "set", "--account", BOOK];
        args.extend(SETTINGS);
        s.run(&args).ok();
    }
    s.load_ok(&[("items.csv", ITEMS)]);
    s
}

/// [`book`] with the list's movements recorded.
fn with_list(settings: bool) -> Store {
    let s = book(settings);
    s.load_ok(&[("movements.csv", MOVEMENTS)]);
    s
}

fn head(s: &Store) -> String {
    let out = s.run(&["verify"]);
    out.ok();
    out.stdout
}

fn list(s: &Store) -> Value {
    let v = s.json(&["lists", "--account", BOOK]);
    v["lists"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["ref"] == REF))
        .cloned()
        .unwrap_or_else(|| panic!("no list {REF}: {v}"))
}

fn status(s: &Store) -> String {
    list(s)["status"].as_str().unwrap_or_default().to_string()
}

/// Exports the list into the store's folder and returns the file's path.
fn export(s: &Store) -> std::path::PathBuf {
    let out = s.run(&[
        "lists",
        "export",
        "--account",
        BOOK,
        "--ref",
        REF,
        "--out",
        s.dir().to_str().unwrap_or_default(),
    ]);
    out.ok();
    let path = s.path("INV101-I-IMP20260042-1.xml");
    assert!(path.is_file(), "no file written: {}", out.stdout);
    path
}

/// Loads a message given as bytes under `name`.
fn load_message(s: &Store, name: &str, bytes: &[u8]) -> bonded_tests::Outcome {
    s.write(name, bytes);
    s.run(&["load", name])
}

#[test]
fn a_list_with_every_setting_is_written_and_shows_as_exported() {
    let s = with_list(true);
    assert_eq!(status(&s), "recorded");
    let path = export(&s);
    let xml = std::fs::read_to_string(&path).unwrap_or_default();
    for element in [
        "<EtpsInnerInvtNo>IMP20260042</EtpsInnerInvtNo>",
        "<PutrecNo>E44038000001</PutrecNo>",
        "<BizopEtpsSccd>91441900MA4W0B0X1A</BizopEtpsSccd>",
        "<DclPlcCuscd>5204</DclPlcCuscd>",
        "<SecdLawfQty>36.5",
        "<Natcd>132</Natcd>",
        "<DclTotalAmt>29375.00</DclTotalAmt>",
    ] {
        assert!(xml.contains(element), "{element} missing from\n{xml}");
    }
    assert_eq!(status(&s), "exported");
    assert_eq!(list(&s)["lines"], "2");

    // Without --out the file goes to standard output, as the second try.
    let out = s.run(&["lists", "export", "--account", BOOK, "--ref", REF]);
    out.ok();
    assert!(out.stdout.starts_with("<?xml"), "{}", out.stdout);
    assert!(out
        .stdout
        .contains("<file_name>INV101-I-IMP20260042-2.xml</file_name>"));
}

#[test]
fn a_missing_setting_names_the_element_and_the_key_and_writes_nothing() {
    let s = with_list(false);
    let before = head(&s);
    let out = s.run(&[
        "lists",
        "export",
        "--account",
        BOOK,
        "--ref",
        REF,
        "--out",
        s.dir().to_str().unwrap_or_default(),
    ]);
    out.expect(2)
        .stderr_has("BizopEtpsSccd")
        .stderr_has("sccd=")
        .stderr_has("DclPlcCuscd")
        .stderr_has("customs_office=")
        .stderr_has("nothing was recorded");
    assert!(!s.path("INV101-I-IMP20260042-1.xml").exists());
    assert_eq!(head(&s), before, "nothing recorded");
    assert_eq!(status(&s), "recorded");

    // A list the book does not hold is bad input too.
    s.run(&["lists", "export", "--account", BOOK, "--ref", "NOPE"])
        .expect(2)
        .stderr_has("NOPE");
}

#[test]
fn an_exported_list_loaded_into_a_fresh_store_gives_the_same_balances() {
    let s = with_list(true);
    let path = export(&s);
    let fresh = book(true);
    let bytes = std::fs::read(&path).unwrap_or_default();
    let out = load_message(&fresh, "INV101-I-IMP20260042-1.xml", &bytes);
    out.ok();
    assert!(out.stdout.contains("2 events recorded"), "{}", out.stdout);
    let balance = |st: &Store| {
        let mut v = st.json(&["balance", "--account", BOOK, "--as-of", "2026-12-31"]);
        v.as_object_mut().map(|o| o.remove("log"));
        v
    };
    assert_eq!(balance(&fresh), balance(&s));
    assert_eq!(
        json_dec(&balance(&fresh)["materials"][1]["imported"]),
        dec("200000")
    );
    // Loaded again it changes nothing; loaded into the store it came from, neither.
    let again = load_message(&fresh, "INV101-I-IMP20260042-1.xml", &bytes);
    again.ok();
    assert!(
        again.stdout.contains("0 events recorded"),
        "{}",
        again.stdout
    );
    let home = load_message(&s, "back.xml", &bytes);
    home.ok();
    assert!(home.stdout.contains("0 events recorded"), "{}", home.stdout);
}

/// The clerk's ERP file named the parts alone and stated the book's default country and port;
/// the INV101 written from it names the items too and leaves the defaults to the book. Loaded
/// back into the same store (from the client's folder), it is the same list: nothing written.
#[test]
fn a_list_given_by_part_loads_back_into_its_own_store_as_a_repeat() {
    let s = book(true);
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency,gross_wt,country,port
IMP20260042,1,2026-03-16,E44038000001,0615,I,M,12500,,PC-PELLET-BK,2.35,USD,12740.5,110,5301
IMP20260042,2,2026-03-16,E44038000001,0615,I,M,200000,,IC-MCU-4410,0.182,USD,52.8,,
",
    )]);
    let path = export(&s);
    let exported = head(&s);
    let out = s.run(&["load", path.to_str().unwrap_or_default()]);
    out.ok();
    assert_eq!(head(&s), exported, "nothing written: {}", out.stdout);
    // A different quantity under the same list and line is still a conflict.
    let changed = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .replace(">12500<", ">12400<");
    s.write("changed.xml", changed.as_bytes());
    let refused = s.run(&["load", "changed.xml"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert_eq!(head(&s), exported);
}

#[test]
fn each_receipt_moves_the_list_as_the_lifecycle_says() {
    let s = with_list(true);
    export(&s);
    // The client's result comes back named after the file it imported.
    load_message(
        &s,
        "Successed_INV101-I-IMP20260042-1_20260316093012345.xml",
        fixture!("client_result_ok.xml"),
    )
    .ok();
    assert_eq!(status(&s), "staged");
    assert_eq!(list(&s)["seq_no"], "202600000123456789");
    let steps: [(&str, &[u8], &str); 6] = [
        ("y.xml", fixture!("inv201_Y_received.xml"), "received"),
        ("2.xml", fixture!("inv201_2_review.xml"), "review"),
        ("3.xml", fixture!("inv201_3_returned.xml"), "returned"),
        ("5.xml", fixture!("inv201_5_approved.xml"), "approved"),
        (
            "4.xml",
            fixture!("inv201_4_pre_deducted.xml"),
            "pre_deducted",
        ),
        ("1.xml", fixture!("inv201_1_deducted.xml"), "deducted"),
    ];
    for (name, bytes, want) in steps {
        let out = load_message(&s, name, bytes);
        out.ok();
        assert!(out.stdout.contains(want), "{name}: {}", out.stdout);
        assert_eq!(status(&s), want, "after {name}");
    }
    assert_eq!(list(&s)["bond_invt_no"], "QD520426I000001234");

    // A booking receipt (INV211) after an approval books the list.
    let t = with_list(true);
    load_message(&t, "5.xml", fixture!("inv201_5_approved.xml")).ok();
    assert_eq!(status(&t), "approved");
    load_message(&t, "211.xml", fixture!("inv211_ebook.xml")).ok();
    assert_eq!(status(&t), "deducted");

    // A client result that failed marks the list failed.
    let f = with_list(true);
    export(&f);
    load_message(
        &f,
        "Failed_INV101-I-IMP20260042-1_20260316093012345.xml",
        fixture!("client_result_failed.xml"),
    )
    .ok();
    assert_eq!(status(&f), "failed");
}

#[test]
fn a_gb2312_receipt_loads() {
    let s = with_list(true);
    let out = load_message(&s, "gb.xml", fixture!("inv201_5_gb2312.xml"));
    out.ok();
    assert_eq!(status(&s), "approved");
}

#[test]
fn a_receipt_for_a_book_the_store_does_not_hold_changes_nothing() {
    let s = with_list(true);
    let before = head(&s);
    let text = String::from_utf8_lossy(fixture!("inv201_5_approved.xml"))
        .replace("E44038000001", "E44038000009");
    let out = load_message(&s, "other.xml", text.as_bytes());
    out.expect(2)
        .stderr_has("E44038000009")
        .stderr_has("other.xml");
    assert_eq!(head(&s), before);
    assert_eq!(status(&s), "recorded");
}

#[test]
fn the_same_receipt_twice_changes_nothing() {
    let s = with_list(true);
    load_message(&s, "5.xml", fixture!("inv201_5_approved.xml")).ok();
    let before = head(&s);
    let out = load_message(&s, "5-again.xml", fixture!("inv201_5_approved.xml"));
    out.ok();
    assert!(out.stdout.contains("already recorded"), "{}", out.stdout);
    assert_eq!(head(&s), before);
}

#[test]
fn csv_and_xml_load_together_movements_before_their_receipts() {
    let s = book(true);
    for (name, bytes) in [
        ("5.xml", &fixture!("inv201_5_approved.xml")[..]),
        ("movements.csv", MOVEMENTS.as_bytes()),
    ] {
        s.write(name, bytes);
    }
    // The receipt is given first; it is loaded after the movements it is about.
    s.run(&["load", "5.xml", "movements.csv"]).ok();
    assert_eq!(status(&s), "approved");
}

#[test]
fn reconcile_finds_a_returned_list_and_nothing_when_book_and_customs_agree() {
    let s = with_list(true);
    export(&s);
    load_message(&s, "3.xml", fixture!("inv201_3_returned.xml")).ok();
    let r = s.json(&["reconcile", "--account", BOOK, "--as-of", "2026-03-18"]);
    let kinds: Vec<&str> = r["differences"]
        .as_array()
        .map(|d| d.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["returned_but_counted"], "{r}");
    assert_eq!(r["differences"][0]["ref"], REF);
    assert!(r["log"]["position"].is_string());
    let table = s.run(&["reconcile", "--account", BOOK, "--as-of", "2026-03-18"]);
    table.ok();
    assert!(table.stdout.contains("returned_but_counted"));

    let agreed = with_list(true);
    export(&agreed);
    load_message(&agreed, "1.xml", fixture!("inv201_1_deducted.xml")).ok();
    let r = agreed.json(&["reconcile", "--account", BOOK, "--as-of", "2026-03-18"]);
    assert_eq!(r["differences"], serde_json::json!([]), "{r}");
    let table = agreed.run(&["reconcile", "--account", BOOK, "--as-of", "2026-03-18"]);
    table.ok();
    assert!(table.stdout.contains("agree"), "{}", table.stdout);
}

#[test]
fn the_write_off_declaration_has_the_cycle_reports_identity() {
    let s = with_list(true);
    load_message(&s, "1.xml", fixture!("inv201_1_deducted.xml")).ok();
    s.load_ok(&[(
        "stocktake.csv",
        "account,date,item,qty\nE44038000001,2026-12-31,1,12400\nE44038000001,2026-12-31,7,200000\n",
    )]);
    let out = s.run(&[
        "cycle",
        "report",
        "--account",
        BOOK,
        "--format",
        "ems121",
        "--out",
        "ems121.xml",
    ]);
    out.ok();
    let bytes = std::fs::read(s.path("ems121.xml")).unwrap_or_default();
    let doc = ledger_core::messages::ems121::from_xml(&bytes).expect("an EMS121 document");
    assert_eq!(doc.head.ems_no, BOOK);
    assert_eq!(doc.lists.len(), 1);
    assert_eq!(doc.lists[0].bond_invt_no, "QD520426I000001234");
    let report = s.json(&["cycle", "report", "--account", BOOK]);
    let materials = report["materials"].as_array().cloned().unwrap_or_default();
    assert_eq!(doc.rows.len(), materials.len());
    for m in &materials {
        let item: u32 = m["item"].as_str().and_then(|i| i.parse().ok()).unwrap_or(0);
        let row = doc
            .rows
            .iter()
            .find(|r| r.typecd == "I" && r.seqno == Some(item))
            .unwrap_or_else(|| panic!("no row for item {item}"));
        let q = |v: Option<rust_decimal::Decimal>| v.unwrap_or_default();
        assert_eq!(q(row.vclr_prid_init_qty), json_dec(&m["opening"]), "{item}");
        assert_eq!(q(row.shd_remain_qty), json_dec(&m["closing"]), "{item}");
        assert_eq!(q(row.actl_remain_qty), json_dec(&m["stocktake"]), "{item}");
        assert_eq!(q(row.dsml_qty), json_dec(&m["difference"]), "{item}");
        assert_eq!(
            q(row.imp_or_exp_total_qty) + q(row.dprcs_crdw_impexp_qty),
            json_dec(&m["imported"]) + json_dec(&m["carried_in"]),
            "{item}"
        );
    }
    // Without --out the message goes to standard output.
    let stdout = s.run(&["cycle", "report", "--account", BOOK, "--format", "ems121"]);
    stdout.ok();
    assert!(stdout.stdout.contains("<EMS121>"), "{}", stdout.stdout);
    // ems121 is a format of the cycle report only.
    s.run(&["balance", "--account", BOOK, "--format", "ems121"])
        .expect(2);
}

/// Customs' write-off result (EMS221) loaded: its per-item figures are compared with the
/// book's on the cycle report (JSON and table), and `cycle close` without `--date` closes on
/// the day customs approved — refusing, naming why, before any approval is loaded.
#[test]
fn customs_write_off_result_is_compared_and_dates_the_close() {
    let s = with_list(true);
    s.load_ok(&[(
        "stocktake.csv",
        "account,date,item,qty\nE44038000001,2026-12-31,1,12500\nE44038000001,2026-12-31,7,200000\n",
    )]);
    let refused = s.run(&["cycle", "close", "--account", BOOK]);
    refused.expect(2);
    assert!(
        refused.stderr.contains("--date") && refused.stderr.contains("EMS221"),
        "{}",
        refused.stderr
    );
    load_message(&s, "ems221.xml", fixture!("ems221_approved.xml")).ok();
    let report = s.json(&["cycle", "report", "--account", BOOK, "--cycle", "1"]);
    let customs = &report["customs_result"];
    assert_eq!(customs["result"], "2", "{report}");
    assert_eq!(customs["rows"], 1);
    let diffs = customs["differences"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |item: u64, column: &str| {
        diffs
            .iter()
            .find(|d| d["item"] == item && d["column"] == column)
            .cloned()
            .unwrap_or_else(|| panic!("no difference {item} {column}: {diffs:?}"))
    };
    // Item 1: the book opened at 0, customs says 3000; the book counted 12500, customs 11250.
    let opening = find(1, "vclrPridInitQty");
    assert_eq!(
        (json_dec(&opening["book"]), json_dec(&opening["customs"])),
        (dec("0"), dec("3000"))
    );
    let counted = find(1, "actlRemainQty");
    assert_eq!(
        (json_dec(&counted["book"]), json_dec(&counted["customs"])),
        (dec("12500"), dec("11250"))
    );
    // Item 7 has figures in the book and no row in customs' answer.
    let missing = find(7, "row");
    assert_eq!(json_dec(&missing["book"]), dec("200000"));
    assert!(missing["customs"].is_null(), "{missing}");
    assert_eq!(json_dec(&customs["adjustments"][0]["reduced"]), dec("49.5"));
    let table = s.run(&["cycle", "report", "--account", BOOK, "--cycle", "1"]);
    table.ok();
    assert!(
        table.stdout.contains("differ from the book's")
            && table
                .stdout
                .contains("material 1 vclrPridInitQty: book 0, customs 3000")
            && table.stdout.contains("reduced 49.5 (核减)"),
        "{}",
        table.stdout
    );
    let closed = s.run(&["cycle", "close", "--account", BOOK]);
    closed.ok();
    assert!(
        closed.stdout.contains("written off on 2027-02-10"),
        "{}",
        closed.stdout
    );
}
