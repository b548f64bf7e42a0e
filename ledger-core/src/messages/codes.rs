//! Customs code tables used in the 金关二期 messages.
//!
//! GACC publishes no schema; these tables come from public code tables that agree with each
//! other and with codes seen in real receipts. They hold what processing trade needs, not every
//! code customs has: a code missing here is refused (an unknown currency is an export error,
//! never a guess) and can be added when a real one is met.
//!
//! - currency: ISO 4217 letters → the 3-digit numeric customs code (`USD` → `502`); the list
//!   carries the numeric code although the customs declaration itself now uses letters;
//! - countries and regions: 3-digit numeric codes (`142` China, `502` United States);
//! - units of measure (计量单位): 3-digit codes, with a lookup from a unit's name (Chinese or
//!   a common English spelling, any case) to its code;
//! - transport mode (运输方式), duty treatment (征免方式), customs subsystem (`SysId`),
//!   declaration type (`DecType`), flow type (`ListType`) and list type (`InvtType`).

use thiserror::Error;

/// A code that is not in a table.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    #[error("currency {0:?} has no customs code in the table; add it there rather than guess")]
    UnknownCurrency(String),
    #[error("unit {0:?} is not a known unit name or code")]
    UnknownUnit(String),
}

/// ISO currency → customs numeric code.
pub const CURRENCIES: &[(&str, &str)] = &[
    ("CNY", "142"),
    ("USD", "502"),
    ("HKD", "110"),
    ("JPY", "116"),
    ("SGD", "132"),
    ("TWD", "143"),
    ("MOP", "121"),
    ("EUR", "300"),
    ("GBP", "303"),
    ("DKK", "302"),
    ("NOK", "326"),
    ("SEK", "330"),
    ("CHF", "331"),
    ("CAD", "501"),
    ("AUD", "601"),
    ("NZD", "609"),
    ("MYR", "122"),
    ("THB", "136"),
    ("PHP", "129"),
];

/// The customs numeric code of an ISO currency (`usd` and `USD` alike).
pub fn currency_numeric(iso: &str) -> Result<&'static str, CodeError> {
    let iso = iso.trim();
    CURRENCIES
        .iter()
        .find(|(letters, _)| letters.eq_ignore_ascii_case(iso))
        .map(|(_, numeric)| *numeric)
        .ok_or_else(|| CodeError::UnknownCurrency(iso.to_string()))
}

/// The ISO letters of a customs numeric currency code.
pub fn currency_iso(numeric: &str) -> Option<&'static str> {
    CURRENCIES
        .iter()
        .find(|(_, n)| *n == numeric)
        .map(|(iso, _)| *iso)
}

/// Countries and regions: code, Chinese name, English name.
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("142", "中国", "China"),
    ("110", "中国香港", "Hong Kong"),
    ("121", "中国澳门", "Macao"),
    ("143", "中国台湾", "Taiwan"),
    ("116", "日本", "Japan"),
    ("133", "韩国", "Korea (Rep.)"),
    ("132", "新加坡", "Singapore"),
    ("122", "马来西亚", "Malaysia"),
    ("136", "泰国", "Thailand"),
    ("141", "越南", "Viet Nam"),
    ("112", "印度尼西亚", "Indonesia"),
    ("129", "菲律宾", "Philippines"),
    ("111", "印度", "India"),
    ("502", "美国", "United States"),
    ("501", "加拿大", "Canada"),
    ("303", "英国", "United Kingdom"),
    ("304", "德国", "Germany"),
    ("305", "法国", "France"),
    ("307", "意大利", "Italy"),
    ("309", "荷兰", "Netherlands"),
    ("301", "比利时", "Belgium"),
    ("312", "西班牙", "Spain"),
    ("331", "瑞士", "Switzerland"),
    ("330", "瑞典", "Sweden"),
    ("344", "俄罗斯联邦", "Russia"),
    ("601", "澳大利亚", "Australia"),
    ("609", "新西兰", "New Zealand"),
    ("410", "巴西", "Brazil"),
    ("429", "墨西哥", "Mexico"),
];

/// The Chinese name of a country or region code.
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, _)| *zh)
}

/// Whether `code` is a country or region code of the table.
pub fn is_country(code: &str) -> bool {
    country_name(code).is_some()
}

/// Units of measure: code, Chinese name, English spellings accepted by [`unit_code`].
pub const UNITS: &[(&str, &str, &[&str])] = &[
    ("001", "台", &["machine", "machines"]),
    ("002", "座", &[]),
    ("003", "辆", &["vehicle", "vehicles"]),
    ("004", "艘", &["vessel", "vessels", "ship", "ships"]),
    ("005", "架", &["aircraft"]),
    ("006", "套", &["set", "sets"]),
    ("007", "个", &["pcs", "pc", "piece", "pieces", "ea", "each"]),
    ("008", "只", &[]),
    ("010", "张", &["sheet", "sheets"]),
    ("011", "件", &["article", "articles"]),
    ("012", "支", &[]),
    ("014", "根", &[]),
    ("015", "条", &["strip", "strips"]),
    ("016", "把", &[]),
    ("017", "块", &["block", "blocks"]),
    ("018", "卷", &["roll", "rolls"]),
    ("019", "副", &[]),
    ("020", "片", &["slice", "slices"]),
    ("021", "组", &["group", "groups"]),
    ("022", "份", &[]),
    ("025", "双", &["pair", "pairs"]),
    ("026", "对", &[]),
    ("030", "米", &["m", "metre", "metres", "meter", "meters"]),
    (
        "032",
        "平方米",
        &["m2", "m²", "sqm", "square metre", "square meter"],
    ),
    (
        "033",
        "立方米",
        &["m3", "m³", "cbm", "cubic metre", "cubic meter"],
    ),
    (
        "035",
        "千克",
        &["kg", "kgs", "kilogram", "kilograms", "kilo", "公斤"],
    ),
    ("036", "克", &["g", "gram", "grams"]),
    ("038", "万个", &[]),
    ("043", "百个", &[]),
    ("054", "千个", &[]),
    ("058", "千张", &[]),
    ("062", "千瓦时", &["kwh"]),
    ("070", "吨", &["t", "tonne", "tonnes", "ton", "tons"]),
    ("076", "磅", &["lb", "lbs", "pound", "pounds"]),
    ("084", "克拉", &["ct", "carat", "carats"]),
    ("086", "码", &["yd", "yard", "yards"]),
    ("095", "升", &["l", "litre", "litres", "liter", "liters"]),
    (
        "096",
        "毫升",
        &[
            "ml",
            "millilitre",
            "millilitres",
            "milliliter",
            "milliliters",
        ],
    ),
    ("120", "箱", &["carton", "cartons", "ctn", "ctns"]),
    ("121", "批", &["batch", "batches", "lot"]),
    ("122", "罐", &["can", "cans"]),
    ("123", "桶", &["drum", "drums", "barrel", "barrels"]),
    ("125", "包", &["pack", "packs", "pk"]),
    ("136", "袋", &["bag", "bags"]),
    ("139", "粒", &["grain", "grains"]),
    ("140", "盒", &["box", "boxes"]),
    ("142", "瓶", &["bottle", "bottles"]),
    (
        "147",
        "千米",
        &["km", "kilometre", "kilometres", "kilometer", "kilometers"],
    ),
];

/// The Chinese name of a unit code (`035` → `千克`).
pub fn unit_name(code: &str) -> Option<&'static str> {
    UNITS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, _)| *zh)
}

/// Whether `code` is a unit code of the table.
pub fn is_unit(code: &str) -> bool {
    unit_name(code).is_some()
}

/// The code of a unit given by its code, its Chinese name or an English spelling, ignoring
/// case and surrounding spaces: `kg`, `KG`, `千克` and `035` all give `035`.
pub fn unit_code(name: &str) -> Result<&'static str, CodeError> {
    let wanted = name.trim().to_lowercase();
    UNITS
        .iter()
        .find(|(code, zh, english)| {
            *code == wanted || *zh == wanted || english.iter().any(|e| *e == wanted)
        })
        .map(|(code, _, _)| *code)
        .ok_or_else(|| CodeError::UnknownUnit(name.to_string()))
}

/// 运输方式 `TrspModecd`: one digit.
pub const TRANSPORT_MODES: &[(&str, &str)] = &[
    ("0", "非保税区"),
    ("1", "监管仓库"),
    ("2", "水路运输"),
    ("3", "铁路运输"),
    ("4", "公路运输"),
    ("5", "航空运输"),
    ("6", "邮件运输"),
    ("7", "保税区"),
    ("8", "保税仓库"),
    ("9", "其他运输"),
];

/// 征免方式 `LvyrlfModecd`: `1`–`9`; bonded movements use `3` (全免).
pub const DUTY_TREATMENTS: &[(&str, &str)] = &[
    ("1", "照章征税"),
    ("2", "折半征税"),
    ("3", "全免"),
    ("4", "特案"),
    ("5", "随征免性质"),
    ("6", "保证金"),
    ("7", "保函"),
    ("8", "折半补税"),
    ("9", "全额退税"),
];

/// `SysId`: the customs subsystem that owns the book. E-books use `95`.
pub const SYS_IDS: &[(&str, &str)] = &[
    ("95", "加工贸易账册系统"),
    ("B1", "加工贸易手册系统"),
    ("B2", "加工贸易担保管理系统"),
    ("B3", "保税货物流转系统二期"),
    ("Z7", "海关特殊监管区域管理系统"),
    ("Z8", "保税物流管理系统"),
];

/// 报关单类型 `DecType`: processing-trade E-books use `1` (import) and `2` (export).
pub const DEC_TYPES: &[(&str, &str)] = &[
    ("1", "进口报关单"),
    ("2", "出口报关单"),
    ("3", "进境备案清单"),
    ("4", "出境备案清单"),
    ("5", "进境两单一审备案清单"),
    ("6", "出境两单一审备案清单"),
    ("X", "两步申报进口报关单"),
    ("Y", "两步申报备案清单"),
];

/// 流转类型 `ListType`: carry-overs only.
pub const LIST_TYPES: &[(&str, &str)] = &[
    ("A", "加工贸易深加工结转"),
    ("B", "加工贸易余料结转"),
    ("C", "不作价设备结转"),
    ("D", "区间深加工结转"),
    ("E", "区间料件结转"),
];

/// 清单类型 `InvtType` (receipts: `bondInvtTypecd`); `bonded` writes `0`.
pub const INVT_TYPES: &[(&str, &str)] = &[
    ("0", "普通清单"),
    ("1", "集报清单"),
    ("3", "先入区后报关"),
    ("4", "简单加工"),
    ("5", "保税展示交易"),
    ("6", "区内流转"),
    ("7", "区港联动"),
    ("8", "保税电商"),
    ("9", "一纳成品内销"),
];

/// Whether `code` is a key of a `(code, name)` table.
pub fn in_table(table: &[(&str, &str)], code: &str) -> bool {
    table.iter().any(|(c, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_map_both_ways_and_unknown_is_an_error() {
        assert_eq!(currency_numeric("USD"), Ok("502"));
        assert_eq!(currency_numeric("usd"), Ok("502"));
        assert_eq!(currency_numeric("CNY"), Ok("142"));
        assert_eq!(currency_iso("300"), Some("EUR"));
        assert_eq!(
            currency_numeric("KRW"),
            Err(CodeError::UnknownCurrency("KRW".into()))
        );
        for (iso, numeric) in CURRENCIES {
            assert_eq!(currency_numeric(iso), Ok(*numeric));
            assert_eq!(currency_iso(numeric), Some(*iso));
        }
    }

    #[test]
    fn unit_names_in_chinese_english_any_case_or_as_code() {
        let cases = [
            ("kg", "035"),
            ("KG", "035"),
            (" Kgs ", "035"),
            ("千克", "035"),
            ("公斤", "035"),
            ("035", "035"),
            ("pcs", "007"),
            ("Piece", "007"),
            ("个", "007"),
            ("set", "006"),
            ("套", "006"),
            ("m", "030"),
            ("g", "036"),
            ("t", "070"),
            ("Tonne", "070"),
            ("l", "095"),
            ("Litre", "095"),
            ("liter", "095"),
            ("M²", "032"),
        ];
        for (name, code) in cases {
            assert_eq!(unit_code(name), Ok(code), "{name}");
        }
        assert!(unit_code("furlong").is_err());
        assert_eq!(unit_name("035"), Some("千克"));
    }

    #[test]
    fn tables_have_unique_codes() {
        let mut units: Vec<_> = UNITS.iter().map(|u| u.0).collect();
        units.sort_unstable();
        units.dedup();
        assert_eq!(units.len(), UNITS.len());
        let mut spellings: Vec<String> = UNITS
            .iter()
            .flat_map(|(_, zh, en)| {
                std::iter::once(zh.to_string()).chain(en.iter().map(|e| e.to_string()))
            })
            .collect();
        let n = spellings.len();
        spellings.sort();
        spellings.dedup();
        assert_eq!(spellings.len(), n, "a spelling names two units");
        let mut countries: Vec<_> = COUNTRIES.iter().map(|c| c.0).collect();
        countries.sort_unstable();
        countries.dedup();
        assert_eq!(countries.len(), COUNTRIES.len());
        assert!(is_country("142") && !is_country("999"));
        assert!(in_table(TRANSPORT_MODES, "4") && !in_table(TRANSPORT_MODES, "44"));
        assert!(in_table(DUTY_TREATMENTS, "3") && !in_table(DUTY_TREATMENTS, "0"));
    }
}
