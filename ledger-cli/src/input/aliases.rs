//! Heading → canonical column: the contract's English names and the Chinese headings that
//! customs forms and Chinese ERP exports use.

use super::kind::{static_column, FileKind};

/// Headings other than the canonical names. A heading with several targets means different
/// columns in different kinds: the first target the kind has wins (`申报单价` is `price` in an
/// items file and `unit_price` in a movements or openings file).
pub(crate) const ALIASES: &[(&str, &[&str])] = &[
    // account
    ("账册号", &["account"]),
    ("手册号", &["account"]),
    ("账册编号", &["account"]),
    ("手册编号", &["account"]),
    ("电子账册号", &["account"]),
    ("备案号", &["account"]),
    // goods
    ("料件成品标志", &["goods"]),
    ("货物类型", &["goods"]),
    ("料件/成品", &["goods"]),
    // item
    ("备案序号", &["item"]),
    ("项号", &["item"]),
    // hs
    ("商品编码", &["hs"]),
    ("商品编号", &["hs"]),
    ("hs编码", &["hs"]),
    ("hs_code", &["hs"]),
    ("税号", &["hs"]),
    // name
    ("商品名称", &["name"]),
    ("品名", &["name"]),
    // unit
    ("计量单位", &["unit"]),
    ("申报计量单位", &["unit"]),
    ("申报单位", &["unit"]),
    ("单位", &["unit"]),
    // spec
    ("规格型号", &["spec"]),
    // price / unit_price
    ("申报单价", &["price", "unit_price"]),
    ("备案单价", &["price"]),
    ("单价", &["unit_price", "price"]),
    // currency
    ("币制", &["currency"]),
    ("币种", &["currency"]),
    ("币别", &["currency"]),
    // parts
    ("归并料号", &["parts"]),
    ("料号列表", &["parts"]),
    // items: what the customs messages need (declared and legal units, origin)
    ("计量单位代码", &["unit_code"]),
    ("申报计量单位代码", &["unit_code"]),
    ("法定计量单位", &["lawf_unit"]),
    ("法定单位", &["lawf_unit"]),
    ("第一法定计量单位", &["lawf_unit"]),
    ("法定计量单位比例因子", &["lawf_factor"]),
    ("第一比例因子", &["lawf_factor"]),
    ("第二法定计量单位", &["secd_lawf_unit"]),
    ("第二法定单位", &["secd_lawf_unit"]),
    ("第二比例因子", &["secd_factor"]),
    ("重量比例因子", &["wt_factor"]),
    ("原产国", &["origin"]),
    ("原产国(地区)", &["origin"]),
    ("原产地", &["origin"]),
    // bom
    ("成品序号", &["product"]),
    ("成品项号", &["product"]),
    ("料件序号", &["material"]),
    ("料件项号", &["material"]),
    ("单耗版本号", &["version", "bom_version"]),
    ("版本号", &["version", "bom_version"]),
    ("单耗版本", &["bom_version", "version"]),
    ("净耗", &["net"]),
    ("有形损耗率", &["tangible_loss_pct"]),
    ("无形损耗率", &["intangible_loss_pct"]),
    ("保税料件比例", &["bonded_pct"]),
    // movements
    ("清单编号", &["ref"]),
    ("企业内部编号", &["ref"]),
    ("企业内部清单编号", &["ref"]),
    ("行号", &["line"]),
    ("序号", &["line"]),
    ("商品序号", &["line"]),
    ("日期", &["date"]),
    ("申报日期", &["date"]),
    ("盘点日期", &["date"]),
    ("监管方式", &["mode"]),
    ("贸易方式", &["mode"]),
    ("进出口标志", &["dir"]),
    ("进出口", &["dir"]),
    ("进出标志", &["dir"]),
    ("数量", &["qty"]),
    ("申报数量", &["qty"]),
    ("盘点数量", &["qty"]),
    ("quantity", &["qty"]),
    ("料号", &["part"]),
    ("商品料号", &["part"]),
    ("企业料号", &["part"]),
    ("成交方式", &["incoterm"]),
    ("运费", &["freight"]),
    ("保费", &["insurance"]),
    ("保险费", &["insurance"]),
    ("对应账册号", &["peer_account"]),
    ("关联账册号", &["peer_account"]),
    ("关联手册号", &["peer_account"]),
    ("承揽企业", &["subcontractor"]),
    ("外发加工企业", &["subcontractor"]),
    ("起运国", &["country"]),
    ("运抵国", &["country"]),
    ("起运/运抵国", &["country"]),
    ("启运国(地区)", &["country"]),
    ("进出境关别", &["port"]),
    ("口岸", &["port"]),
    ("运输方式", &["transport"]),
    ("法定数量", &["lawf_qty"]),
    ("第一法定数量", &["lawf_qty"]),
    ("第二法定数量", &["secd_lawf_qty"]),
    ("毛重", &["gross_wt"]),
    ("净重", &["net_wt"]),
    // corrections
    ("原因", &["reason"]),
    ("更正原因", &["reason"]),
    // workorders
    ("工单号", &["order"]),
    ("生产单号", &["order"]),
    ("生产数量", &["produced"]),
    ("完工数量", &["produced"]),
    ("领用数量", &["issued"]),
    ("发料数量", &["issued"]),
    ("边角料序号", &["scrap_item"]),
    ("边角料数量", &["scrap_qty"]),
    // fx
    ("月份", &["month"]),
    ("汇率", &["cny_per_unit"]),
    ("折算汇率", &["cny_per_unit"]),
    // tariff, interest
    ("起始日期", &["from"]),
    ("生效日期", &["from"]),
    ("关税税率", &["duty_pct"]),
    ("增值税率", &["vat_pct"]),
    ("增值税税率", &["vat_pct"]),
    ("消费税率", &["consumption_pct"]),
    ("消费税税率", &["consumption_pct"]),
    ("年利率", &["annual_pct"]),
];

/// A heading as compared: trimmed (a stray byte-order mark too), a trailing `(%)`, `（%）`
/// or `%` dropped, ASCII lower-cased, spaces and hyphens turned into `_`
/// (`Unit Price` → `unit_price`, `有形损耗率(%)` → `有形损耗率`).
pub(crate) fn normalize(heading: &str) -> String {
    let trim = |s: &str| -> String {
        s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .to_string()
    };
    let mut h = trim(heading);
    for suffix in ["(%)", "（%）", "%"] {
        if let Some(stripped) = h.strip_suffix(suffix) {
            h = trim(stripped);
            break;
        }
    }
    h.to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// The canonical column a heading means in a file of `kind`, or None when the heading is
/// not a column of any kind. The column returned need not be one of `kind`'s (then the
/// caller ignores it).
pub(crate) fn resolve(heading: &str, kind: Option<FileKind>) -> Option<&'static str> {
    let h = normalize(heading);
    if let Some(c) = static_column(&h) {
        return Some(c);
    }
    let targets = ALIASES
        .iter()
        .find(|(alias, _)| normalize(alias) == h)
        .map(|(_, targets)| *targets)?;
    let preferred = kind.and_then(|k| targets.iter().find_map(|t| k.column(t)));
    preferred.or_else(|| targets.first().and_then(|t| static_column(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_target_is_a_column() {
        for (alias, targets) in ALIASES {
            assert!(!targets.is_empty(), "{alias}");
            for t in *targets {
                assert!(static_column(t).is_some(), "{alias} → {t}");
            }
        }
    }

    #[test]
    fn aliases_are_unique_and_not_canonical() {
        let mut seen = std::collections::HashSet::new();
        for (alias, _) in ALIASES {
            let n = normalize(alias);
            assert!(seen.insert(n.clone()), "{alias} twice");
            assert!(static_column(&n).is_none(), "{alias} is a canonical name");
        }
    }

    #[test]
    fn user_guide_lists_every_alias() {
        let guide = include_str!("../../../docs/USER_GUIDE.md");
        for (alias, _) in ALIASES {
            let shown = if alias.is_ascii() {
                format!("`{alias}`")
            } else {
                alias.replace("hs", "HS")
            };
            assert!(guide.contains(&shown), "docs/USER_GUIDE.md lacks {shown}");
        }
    }

    #[test]
    fn resolves() {
        let cases: &[(&str, Option<FileKind>, Option<&str>)] = &[
            ("qty", None, Some("qty")),
            ("  QTY ", None, Some("qty")),
            ("Unit Price", None, Some("unit_price")),
            ("unit-price", None, Some("unit_price")),
            ("数量", None, Some("qty")),
            (" 账册号 ", None, Some("account")),
            ("HS编码", None, Some("hs")),
            ("有形损耗率(%)", None, Some("tangible_loss_pct")),
            ("有形损耗率（%）", None, Some("tangible_loss_pct")),
            ("\u{feff}ref", None, Some("ref")),
            ("申报单价", Some(FileKind::Items), Some("price")),
            ("申报单价", Some(FileKind::Movements), Some("unit_price")),
            ("申报单价", Some(FileKind::Openings), Some("unit_price")),
            ("申报单价", None, Some("price")),
            ("单价", Some(FileKind::Items), Some("price")),
            ("单价", Some(FileKind::Movements), Some("unit_price")),
            ("单耗版本", Some(FileKind::Movements), Some("bom_version")),
            ("单耗版本", Some(FileKind::Bom), Some("version")),
            ("单耗版本号", Some(FileKind::Bom), Some("version")),
            ("备注", None, None),
            ("", None, None),
        ];
        for (heading, kind, want) in cases {
            assert_eq!(resolve(heading, *kind), *want, "{heading:?} in {kind:?}");
        }
    }
}
