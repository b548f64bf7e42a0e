//! The Order 182 exposure rendered: table, CSV, JSON.

use crate::output::csv_cell;
use ledger_core::reports::exposure::{ExposureLine, ExposureReport};
use rust_decimal::Decimal;

/// How the actual gross is shown, said wherever it is shown.
pub(crate) const ACTUAL_GROSS_NOTE: &str = "actual gross = issued ÷ produced, shown half-up to 9 decimals like the declared gross; excess_qty = produced × declared − issued, exact";

/// The report with the contract's keys, and a word on how `actual_gross` is rounded.
pub(crate) fn report_json(r: &ExposureReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("actual_gross_note".into(), ACTUAL_GROSS_NOTE.into());
    }
    v
}

pub(crate) fn opt(d: Option<Decimal>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub(crate) const CSV_HEADER: &str = "product,material,bom_version,orders,produced,issued,declared_gross,actual_gross,excess_pct,excess_qty,unit,unit_value_cny,dutiable_value_cny,duty,consumption_tax,vat,value_cny,risk,note\n";

pub(crate) fn report_csv(r: &ExposureReport) -> String {
    let mut out = String::from(CSV_HEADER);
    for l in &r.lines {
        let v = l.valuation.as_ref();
        let cells = [
            l.product.to_string(),
            l.material.to_string(),
            l.bom_version.map(|v| v.to_string()).unwrap_or_default(),
            l.orders.to_string(),
            l.produced.to_string(),
            l.issued.to_string(),
            opt(l.declared_gross),
            l.actual_gross.to_string(),
            opt(l.excess_pct),
            l.excess_qty.to_string(),
            csv_cell(&l.unit),
            opt(v.map(|v| v.unit_value_cny.round_dp(6).normalize())),
            opt(v.map(|v| v.dutiable_value_cny)),
            opt(v.map(|v| v.duty)),
            opt(v.map(|v| v.consumption_tax)),
            opt(v.map(|v| v.vat)),
            opt(l.value_cny),
            l.risk.as_str().to_string(),
            csv_cell(l.note.as_deref().unwrap_or("")),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    // The total is not a data row: a comment, aligned under the column it sums.
    out.push_str(&format!(
        "# TOTAL,,,,,,,,,,,,,,,,{},,\n",
        r.totals.value_cny
    ));
    out
}

pub(crate) fn report_table(r: &ExposureReport) -> String {
    let mut out = format!(
        "Book {} — Order 182 exposure: declared against actual gross unit consumption (work orders)\n",
        r.account
    );
    match r.date {
        Some(d) => out.push_str(&format!(
            "excess valued on {d} like a domestic sale (average import price, tariff and exchange rate of that day); value = dutiable value + duty + taxes\n"
        )),
        None => {
            out.push_str("no work orders recorded: nothing to compare\n");
            return out;
        }
    }
    out.push_str(&format!(
        "risk by the relative excess (declared − actual) / declared: low under {} %, medium under {} %, high from {} % (book settings risk_medium_pct, risk_high_pct)\n",
        r.risk_medium_pct.normalize(),
        r.risk_high_pct.normalize(),
        r.risk_high_pct.normalize()
    ));
    let mut rows: Vec<Vec<String>> = r
        .lines
        .iter()
        .map(|l| {
            vec![
                l.product.to_string(),
                l.material.to_string(),
                l.bom_version.map(|v| v.to_string()).unwrap_or_default(),
                l.orders.to_string(),
                l.produced.normalize().to_string(),
                l.issued.normalize().to_string(),
                opt(l.declared_gross),
                l.actual_gross.to_string(),
                opt(l.excess_pct),
                format!("{} {}", l.excess_qty, l.unit).trim().to_string(),
                value_cell(l),
                l.risk.as_str().to_uppercase(),
            ]
        })
        .collect();
    let unvalued = if r.totals.unvalued_lines > 0 {
        format!("(+{} not valued)", r.totals.unvalued_lines)
    } else {
        String::new()
    };
    let mut total = vec![String::new(); 12];
    total[0] = "total".into();
    total[10] = format!("{} {unvalued}", r.totals.value_cny)
        .trim()
        .to_string();
    rows.push(total);
    let t = crate::output::FitTable {
        header: vec![
            "product",
            "material",
            "BOM",
            "orders",
            "produced",
            "issued",
            "declared gross",
            "actual gross",
            "excess %",
            "excess qty",
            "value CNY",
            "risk",
        ],
        right: vec![
            false, false, false, true, true, true, true, true, true, true, true, false,
        ],
        rows,
        // What an officer reads first stays: the item, the excess, its value, its grade.
        drop_order: &[
            "orders",
            "issued",
            "produced",
            "BOM",
            "actual gross",
            "declared gross",
        ],
    }
    .render();
    out.push_str(&t);
    out.push_str(&format!("{ACTUAL_GROSS_NOTE}\n"));
    for l in r.lines.iter().filter(|l| l.note.is_some()) {
        out.push_str(&format!(
            "note ({} / {}): {}\n",
            l.product,
            l.material,
            l.note.as_deref().unwrap_or("")
        ));
    }
    out
}

pub(crate) fn value_cell(l: &ExposureLine) -> String {
    match (l.value_cny, l.excess_qty.is_zero()) {
        (Some(v), _) => v.to_string(),
        (None, true) => "—".to_string(),
        (None, false) => "not valued".to_string(),
    }
}
