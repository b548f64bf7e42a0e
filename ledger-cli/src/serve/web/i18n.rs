//! Every label of the workspace, in Chinese (the default) and English: one table, a row per
//! key. `t(lang, key)` looks a label up; a test holds that every key the pages use is in the
//! table, with both languages filled, so no page shows a missing label.

use axum::http::request::Parts;
use ledger_core::model::review::{ReviewClass, Role};
use ledger_core::reports::deadlines::ObligationKind;
use ledger_core::reports::exposure::Risk;

use crate::input::notices::NoticeKind;

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `lang=` of a query string.
    pub fn from_query(query: &str) -> Option<Lang> {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    }

    /// The request's language: `?lang=`, else the cookie, else Chinese.
    pub fn of(parts: &Parts) -> Lang {
        parts
            .uri
            .query()
            .and_then(Lang::from_query)
            .or_else(|| {
                super::session::cookie(&parts.headers, super::session::LANG_COOKIE)
                    .and_then(|c| Lang::parse(&c))
            })
            .unwrap_or(Lang::Zh)
    }
}

/// (key, 中文, English).
const LABELS: &[(&str, &str, &str)] = &[
    ("app_name", "保税账册", "Bonded ledger"),
    ("today", "今日", "Today"),
    ("book", "账册", "Book"),
    ("record", "录入", "Record"),
    ("review", "复核", "Review"),
    ("sign_in", "登录", "Sign in"),
    ("sign_in_title", "登录保税账册", "Sign in to the bonded ledger"),
    ("sign_in_hint", "粘贴管理员用 `bonded user add` 为您生成的令牌。令牌只用于登录，不会出现在网址中。", "Paste the token your administrator made for you with `bonded user add`. It is used to sign in only and never appears in an address."),
    ("token", "令牌", "Token"),
    ("token_unknown", "此令牌不属于任何用户。", "This token is no user's."),
    ("sign_out", "退出", "Sign out"),
    ("csrf_refused", "表单已过期或不是从本页面提交的（缺少 CSRF 令牌）：请重新打开页面再提交。", "The form is stale or was not sent from this workspace (no CSRF token): open the page again and resend it."),
    ("log_position", "日志位置", "Log position"),
    ("head_hash", "头哈希", "head hash"),
    ("audit_hint", "页面上的数字均据此计算；`bonded verify` 可校验日志。", "every figure on this page comes from it; `bonded verify` checks the log."),
    ("error", "错误", "Error"),
    ("back_to_today", "返回今日", "Back to Today"),
    ("line", "行", "Line"),
    ("column", "列", "Column"),
    ("message", "原因", "Why"),
    ("as_of", "截至日期", "As of"),
    ("show", "显示", "Show"),
    ("obligations", "待办事项", "Obligations"),
    ("obligations_hint", "各账册已逾期及 30 天内到期的事项，含滞纳金。", "Every book's obligations overdue or due in the next 30 days, with late fees."),
    ("nothing_due", "30 天内没有到期事项。", "Nothing due in the next 30 days."),
    ("obligation", "事项", "Obligation"),
    ("period", "期间", "Period"),
    ("due", "到期日", "Due"),
    ("days_left", "剩余天数", "Days left"),
    ("status", "状态", "Status"),
    ("late_fee_cny", "滞纳金（元）", "Late fee (CNY)"),
    ("note", "备注", "Note"),
    ("overdue", "已逾期", "Overdue"),
    ("open", "未办", "Open"),
    ("waiting_review", "待复核", "Waiting for review"),
    ("notices", "提示（已录入，无需修改）", "Notices (recorded; nothing to fix)"),
    ("notice_freight_ignored", "运费未计入完税价格：CFR/CIF 价格已含运费", "freight ignored: CFR/CIF prices include it"),
    ("nothing_pending", "没有待复核的项目。", "Nothing is waiting for review."),
    ("class", "类别", "Class"),
    ("what", "内容", "What"),
    ("submitted_by", "提交人", "Submitted by"),
    ("company", "企业编码", "Company"),
    ("cycle_start", "核销周期起始", "Cycles from"),
    ("months", "个月", "months"),
    ("capacity", "生产能力上限", "Capacity cap"),
    ("balances", "余额", "Balances"),
    ("duty", "内销税款", "Duty"),
    ("cycle", "核销周期", "Cycle"),
    ("exposure", "182号令风险", "Exposure"),
    ("materials", "料件", "Materials"),
    ("item", "项号", "Item"),
    ("name", "品名", "Name"),
    ("unit", "单位", "Unit"),
    ("opening", "期初", "Opening"),
    ("imported", "进口", "Imported"),
    ("carried_in", "深加工结转转入", "Carried in"),
    ("consumed", "出口耗用", "Consumed"),
    ("carried_out", "深加工结转转出", "Carried out"),
    ("domestic_sold", "内销", "Sold in China"),
    ("re_exported", "退运", "Re-exported"),
    ("destroyed", "销毁", "Destroyed"),
    ("balance", "余额", "Balance"),
    ("shortage", "短少", "shortage"),
    ("surplus", "溢余", "surplus"),
    ("shortfall_hint", "标红的料件在本周期盘点中短少（超过允许误差）：核销前需补充申报。", "Materials marked red were found short at this cycle's stocktake (over the tolerance): declare them before the write-off."),
    ("scrap", "边角料", "Scrap"),
    ("capacity_used", "已用生产能力", "Capacity used"),
    ("capacity_caption", "本周期进口 CIF（美元）对上限，周期", "CIF imports of the cycle (USD) against the cap, cycle"),
    ("downloads", "下载", "Downloads"),
    ("dl_balance", "余额表（CSV）", "Balances (CSV)"),
    ("dl_deadlines", "到期事项日历（iCalendar）", "Deadlines calendar (iCalendar)"),
    ("dl_duty", "待申报内销税款（CSV）", "Duty declaration to file (CSV)"),
    ("dl_cycle", "核销周期报告（CSV）", "Cycle report (CSV)"),
    ("dl_exposure", "182号令风险（CSV）", "Order 182 exposure (CSV)"),
    ("dl_balance_xlsx", "余额表（Excel）", "Balances (Excel workbook)"),
    ("dl_duty_xlsx", "内销征税申报表（Excel）", "Duty declaration (Excel workbook)"),
    ("dl_cycle_xlsx", "核销报告（Excel）", "Cycle report (Excel workbook)"),
    ("dl_ems121", "报核报文 EMS121（XML）", "Write-off declaration EMS121 (XML)"),
    ("dl_reconcile", "与海关对账（Excel）", "Reconciliation with customs (Excel workbook)"),
    ("lists", "核注清单", "Verification lists"),
    ("err_400", "输入有误，未作任何记录。", "Bad input: nothing was recorded."),
    ("err_401", "请先登录。", "Please sign in."),
    ("err_403", "您的角色无权执行此操作。", "Your role may not do this."),
    ("err_404", "找不到该账册或页面。", "No such book or page."),
    ("err_409", "与已记录的内容冲突，未作任何记录。", "This conflicts with what is recorded: nothing was recorded."),
    ("err_413", "文件太大。", "The file is too large."),
    ("err_415", "文件类型不对。", "Not a kind of file the ledger reads."),
    ("err_422", "违反海关规则，未作任何记录。", "Refused by a customs rule: nothing was recorded."),
    ("err_503", "服务暂时繁忙，请稍后重试。", "The server is busy: try again shortly."),
    ("err_other", "服务器出错。", "The server failed."),
    ("detail", "详细原因（英文）：", "Detail:"),
    ("message_kind", "报文", "Message"),
    ("already_recorded", "此报文已记录过：未重复记录。", "This message was recorded before: nothing applied twice."),
    ("no_lists", "本账册尚无核注清单。", "This book has no verification lists yet."),
    ("direction", "进出口", "Direction"),
    ("mode", "监管方式", "Trade mode"),
    ("seq_no", "预录入编号", "Pre-entry no."),
    ("bond_invt_no", "清单编号", "Customs list no."),
    ("updated", "更新日期", "Updated"),
    ("export_inv101", "生成 INV101", "Write INV101"),
    ("export_hint", "“生成 INV101”写出申报客户端导入的核注清单报文，并记录为已导出；把文件放入客户端的导入目录。", "“Write INV101” writes the list as the file the declaration client imports, and records it as exported; put the file in the client's import folder."),
    ("reconcile", "与海关对账", "Reconciliation with customs"),
    ("reconcile_agree", "账册与海关回执一致。", "The book and customs' receipts agree."),
    ("book_says", "账册", "Book"),
    ("customs_says", "海关", "Customs"),
    ("st_recorded", "已录入", "recorded"),
    ("st_exported", "已导出", "exported"),
    ("st_staged", "已暂存", "staged"),
    ("st_declared", "已申报", "declared"),
    ("st_failed", "导入失败", "failed"),
    ("st_received", "海关已接收", "received"),
    ("st_review", "人工审核", "in review"),
    ("st_returned", "退单", "returned"),
    ("st_approved", "审核通过", "approved"),
    ("st_pre_deducted", "预核扣", "pre-deducted"),
    ("st_deducted", "已核扣", "deducted"),
    ("st_deleted", "已删除", "deleted"),
    ("st_written_off", "已核销", "written off"),
    ("material", "料件", "Material"),
    ("balance_over_time", "各月末余额，料件", "Balance at each month's end, material"),
    ("history", "历史记录", "History"),
    ("position", "位置", "Position"),
    ("recorded_at", "记录时间", "Recorded at"),
    ("actor", "操作人", "By"),
    ("kind", "类型", "Kind"),
    ("more", "更早的记录 →", "Older →"),
    ("duty_declaration", "内销征税申报", "Domestic-sales declaration"),
    ("filed", "已申报", "filed"),
    ("draft", "草稿（未申报）", "draft (not filed)"),
    ("interest_days", "缓税利息天数", "Interest days"),
    ("interest_pct", "利率", "rate"),
    ("no_domestic_sales", "本期没有内销。", "No domestic sales in this period."),
    ("list_ref", "核注清单/行", "List/line"),
    ("date", "日期", "Date"),
    ("qty", "数量", "Qty"),
    ("unit_value", "单价", "Unit value"),
    ("value_cny", "完税价格（元）", "Value (CNY)"),
    ("tax_duty", "关税", "Duty"),
    ("tax_consumption", "消费税", "Consumption tax"),
    ("tax_vat", "增值税", "VAT"),
    ("interest", "缓税利息", "Deferred interest"),
    ("total", "合计", "Total"),
    ("fifty_yuan_hint", "单项税款不足 50 元免征（合计已按此计算）。", "A tax under CNY 50 is not levied (the totals apply it)."),
    ("filed_on", "申报日期", "Filed on"),
    ("file_declaration", "申报并缴纳", "File the declaration"),
    ("duty_by_period", "本年各期内销税款", "The year's duty by period"),
    ("marked_draft", "橙色为未申报", "orange: not filed yet"),
    ("report_due", "报核截止", "Report due"),
    ("stocktake_date", "盘点日", "Stocktake"),
    ("none", "无", "none"),
    ("tolerance", "允许误差", "Tolerance"),
    ("closed_on", "核销日", "Written off"),
    ("closing", "期末", "Closing"),
    ("stocktake", "盘点数", "Counted"),
    ("difference", "差异", "Difference"),
    ("shortages_declaration", "短少补充申报", "Supplementary declaration of the shortages"),
    ("carry_overs", "余料结转", "Remaining-material carry-overs"),
    ("pairing", "对方账册", "Pairing"),
    ("exposure_title", "单耗执行风险（海关总署令第182号）", "Unit-consumption exposure (Order 182)"),
    ("grade", "风险等级", "Grade"),
    ("thresholds", "中/高风险阈值", "Medium/high thresholds"),
    ("product", "成品", "Product"),
    ("orders", "工单数", "Orders"),
    ("produced", "产量", "Produced"),
    ("issued", "领料", "Issued"),
    ("declared_gross", "申报单耗", "Declared gross"),
    ("actual_gross", "实际单耗", "Actual gross"),
    ("excess_pct", "超出（%）", "Excess (%)"),
    ("excess_qty", "超出数量", "Excess qty"),
    ("risk_low", "低", "low"),
    ("risk_medium", "中", "medium"),
    ("risk_high", "高", "high"),
    ("kind_auto", "按表头识别", "Recognised by its header"),
    ("csv_file", "CSV 文件", "CSV file"),
    ("upload", "上传并录入", "Upload and record"),
    ("record_hint", "整个文件要么全部录入，要么一行也不录入：有任何错误，页面会在对应的行和列标出原因。内销、销毁等需复核的行会等待复核人批准。也可上传海关报文（XML）：核注清单 INV101、客户端导入结果、INV201/202/211 与 EMS221 回执。", "A file is recorded whole or not at all: any problem is shown against its row and column. Domestic sales, destruction and the like wait for a reviewer. Customs message files (XML) load here too: INV101 lists, the client's import result, INV201/202/211 and EMS221 receipts."),
    ("nothing_written", "未录入任何内容", "Nothing was written"),
    ("upload_again", "修改后重新上传", "Fix it and upload again"),
    ("recorded", "已录入", "Recorded"),
    ("lines", "行数", "lines"),
    ("events_written", "写入事件", "events written"),
    ("balance_before", "复核前余额", "Balance before, on"),
    ("balance_after", "批准后余额", "After approval"),
    ("no_balance_change", "批准后余额不变。", "Approving it changes no balance."),
    ("duty_of", "内销税款", "Duty of"),
    ("approved_flash", "已批准并生效。", "Approved: it has taken effect."),
    ("rejected_flash", "已驳回。", "Rejected."),
    ("review_id", "复核编号", "Review id"),
    ("approve", "批准", "Approve"),
    ("reject", "驳回", "Reject"),
    ("reason", "理由", "Reason"),
    ("own_submission", "这是您本人提交的项目：须由另一位复核人批准。", "You submitted this item: another reviewer approves it."),
    ("reviewers_approve", "只有复核人可以批准或驳回。", "Only a reviewer approves or rejects."),
    ("role_clerk", "录入员", "clerk"),
    ("role_reviewer", "复核人", "reviewer"),
    ("role_auditor", "审计员", "auditor"),
    ("role_admin", "管理员", "admin"),
    ("class_domestic_sales", "内销", "Domestic sale"),
    ("class_destruction", "销毁", "Destruction"),
    ("class_scrap_sales", "边角料内销", "Scrap sale"),
    ("class_corrections", "更正", "Correction"),
    ("class_stocktakes", "盘点", "Stocktake"),
    ("class_unit_consumption", "单耗变更", "Unit consumption"),
    ("class_other", "其他", "Other"),
    ("ob_domestic_sales_duty", "内销征税申报", "Domestic-sales duty"),
    ("ob_carry_over_declaration", "深加工结转申报", "Carry-over declaration"),
    ("ob_cycle_report", "核销报核", "Cycle report"),
    ("ob_annual_declaration", "年度申报", "Annual declaration"),
    ("ob_unit_consumption", "单耗申报", "Unit consumption"),
    ("ob_book_cancellation", "账册注销", "Book cancellation"),
    ("ob_list_declaration", "核注清单申报", "List declaration"),
    ("ob_list_booking", "核注清单记账", "List booking"),
];

/// The label of `key` in `lang`; the key itself if it has none (a test forbids that).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match LABELS.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => "?",
    }
}

pub fn role_name(l: Lang, role: Role) -> &'static str {
    t(
        l,
        match role {
            Role::Clerk => "role_clerk",
            Role::Reviewer => "role_reviewer",
            Role::Auditor => "role_auditor",
            Role::Admin => "role_admin",
        },
    )
}

pub fn class_name(l: Lang, class: Option<ReviewClass>) -> &'static str {
    t(
        l,
        match class {
            Some(ReviewClass::DomesticSales) => "class_domestic_sales",
            Some(ReviewClass::Destruction) => "class_destruction",
            Some(ReviewClass::ScrapSales) => "class_scrap_sales",
            Some(ReviewClass::Corrections) => "class_corrections",
            Some(ReviewClass::Stocktakes) => "class_stocktakes",
            Some(ReviewClass::UnitConsumption) => "class_unit_consumption",
            None => "class_other",
        },
    )
}

/// A notice of a file recorded (`input::notices`), in the page's language.
pub fn notice_text(l: Lang, kind: NoticeKind) -> &'static str {
    t(
        l,
        match kind {
            NoticeKind::FreightIgnored => "notice_freight_ignored",
        },
    )
}

pub fn obligation_name(l: Lang, kind: ObligationKind) -> &'static str {
    t(
        l,
        match kind {
            ObligationKind::DomesticSalesDuty => "ob_domestic_sales_duty",
            ObligationKind::CarryOverDeclaration => "ob_carry_over_declaration",
            ObligationKind::CycleReport => "ob_cycle_report",
            ObligationKind::AnnualDeclaration => "ob_annual_declaration",
            ObligationKind::UnitConsumption => "ob_unit_consumption",
            ObligationKind::BookCancellation => "ob_book_cancellation",
            ObligationKind::ListDeclaration => "ob_list_declaration",
            ObligationKind::ListBooking => "ob_list_booking",
        },
    )
}

pub fn risk_name(l: Lang, risk: Risk) -> &'static str {
    t(
        l,
        match risk {
            Risk::Low => "risk_low",
            Risk::Medium => "risk_medium",
            Risk::High => "risk_high",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web sources, as compiled: every label key they name is read from them.
    const SOURCES: [&str; 11] = [
        include_str!("mod.rs"),
        include_str!("book.rs"),
        include_str!("downloads.rs"),
        include_str!("lists.rs"),
        include_str!("charts.rs"),
        include_str!("layout.rs"),
        include_str!("record.rs"),
        include_str!("review.rs"),
        include_str!("session.rs"),
        include_str!("today.rs"),
        include_str!("i18n.rs"),
    ];

    /// The string literals after `t(l, `, `t(lang, `, `tab(` and `t(\n l,` in the sources, and
    /// the keys the name functions above build.
    fn keys_used() -> Vec<String> {
        let mut keys = Vec::new();
        for src in SOURCES {
            let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
            for opener in ["t(l, \"", "t(lang, \"", "tab(\"", "t( l, \""] {
                for (i, _) in flat.match_indices(opener) {
                    let rest = &flat[i + opener.len()..];
                    if let Some(end) = rest.find('"') {
                        keys.push(rest[..end].to_string());
                    }
                }
            }
            for prefix in [
                "\"role_",
                "\"class_",
                "\"ob_",
                "\"risk_",
                "\"st_",
                "\"err_",
                "\"notice_",
            ] {
                for (i, _) in flat.match_indices(prefix) {
                    let rest = &flat[i + 1..];
                    if let Some(end) = rest.find('"') {
                        keys.push(rest[..end].to_string());
                    }
                }
            }
        }
        // The prefixes this scan looks for are literals here too.
        keys.retain(|k| !k.ends_with('_'));
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn web_every_label_exists_in_both_languages() {
        let used = keys_used();
        assert!(used.len() > 100, "the scan found only {} keys", used.len());
        let missing: Vec<&String> = used
            .iter()
            .filter(|k| !LABELS.iter().any(|(key, _, _)| key == k))
            .collect();
        assert!(
            missing.is_empty(),
            "labels missing from the table: {missing:?}"
        );
        for (key, zh, en) in LABELS {
            assert!(!zh.trim().is_empty(), "{key}: no Chinese label");
            assert!(!en.trim().is_empty(), "{key}: no English label");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) || key == &"app_name",
                "{key}: the Chinese label {zh:?} has no Chinese in it"
            );
        }
        let mut keys: Vec<&str> = LABELS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is in the table twice");
        let unused: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !used.iter().any(|u| u == k))
            .collect();
        assert!(unused.is_empty(), "labels no page uses: {unused:?}");
    }

    #[test]
    fn web_language_comes_from_the_query_then_the_cookie() {
        assert_eq!(Lang::from_query("as_of=2025-01-01&lang=en"), Some(Lang::En));
        assert_eq!(Lang::from_query("lang=fr"), None);
        assert_eq!(t(Lang::Zh, "today"), "今日");
        assert_eq!(t(Lang::En, "today"), "Today");
    }
}
