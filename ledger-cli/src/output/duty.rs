//! A domestic-sales declaration rendered: its lines and totals as a table, CSV and JSON.

use crate::cli::Format;
use crate::output::{audit_json, audit_line, csv_cell, with_audit_csv};
use crate::session::Position;
use chrono::NaiveDate;
use ledger_core::reports::duty::Declaration;

/// The contract's keys (account, period, due, filed, lines, totals) and a few more.
/// The declaration's JSON. Filed: `status: "filed"` and `filed` the day it was filed. Not
/// filed: `status: "draft"`, `filed: null` (it is not), and `assessed_as_of` the day its
/// figures were assessed as of (the due date, or `--filed`).
pub(crate) fn declaration_json(d: &Declaration, is_filed: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "status".into(),
            serde_json::json!(if is_filed { "filed" } else { "draft" }),
        );
        o.insert("assessed_as_of".into(), serde_json::json!(d.filed));
        if !is_filed {
            o.insert("filed".into(), serde_json::Value::Null);
        }
    }
    v
}

pub(crate) fn print_declaration(
    d: &Declaration,
    is_filed: bool,
    format: Format,
    today: NaiveDate,
    p: &Position,
) {
    print!("{}", declaration_output(d, is_filed, format, today, p));
}

/// The declaration as `format` says (json, csv, or the table and its totals).
pub(crate) fn declaration_output(
    d: &Declaration,
    is_filed: bool,
    format: Format,
    today: NaiveDate,
    p: &Position,
) -> String {
    match format {
        Format::Json => {
            let mut v = declaration_json(d, is_filed);
            audit_json(&mut v, p);
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Csv => with_audit_csv(declaration_csv(d), p),
        Format::Table | Format::Ics | Format::Xlsx => {
            let days = (d.due - today).num_days();
            let when = if is_filed {
                format!("FILED on {}", d.filed)
            } else if d.lines.is_empty() {
                // No domestic sale in the period: nothing to declare, so nothing is overdue
                // (deadlines lists no obligation for it either).
                "no domestic sales: nothing to declare".to_string()
            } else if days >= 0 {
                format!("{days} days left (today {today})")
            } else {
                format!(
                    "{} days past due (today {today}), not recorded as filed",
                    -days
                )
            };
            let mut out = format!(
                "Book {} — domestic sales of {}: due {} — {}\n",
                d.account, d.period, d.due, when
            );
            out.push_str(&format!(
                "assessed as of {} (rates, exchange rates and interest of that day)\n",
                d.filed
            ));
            if d.lines.is_empty() {
                out.push_str(&format!("no domestic sales in {}\n", d.period));
            } else {
                out.push_str(&lines_table(d));
                out.push_str(&totals_text(d));
            }
            out.push_str(&audit_line(p));
            out
        }
    }
}

/// The columns a narrow terminal leaves out first.
const LINES_DROP_ORDER: [&str; 7] = [
    "HS",
    "date",
    "cons. tax",
    "from",
    "unit value",
    "line",
    "item",
];

pub(crate) fn lines_table(d: &Declaration) -> String {
    let header = vec![
        "ref",
        "line",
        "date",
        "from",
        "item",
        "HS",
        "qty",
        "unit value",
        "value CNY",
        "duty",
        "cons. tax",
        "VAT",
    ];
    let right = (0..header.len()).map(|i| i >= 6).collect();
    let mut rows: Vec<Vec<String>> = d
        .lines
        .iter()
        .map(|l| {
            let from = match (l.scrap, l.product) {
                (true, _) => "scrap".to_string(),
                (false, Some(p)) => format!("finished {p}"),
                (false, None) => "material".to_string(),
            };
            vec![
                l.ref_.clone(),
                l.line.to_string(),
                l.date.to_string(),
                from,
                l.item.to_string(),
                l.hs.to_string(),
                crate::output::qty(l.qty),
                format!("{} {}", l.unit_value.round_dp(6).normalize(), l.currency),
                l.value_cny.to_string(),
                l.duty.to_string(),
                l.consumption_tax.to_string(),
                l.vat.to_string(),
            ]
        })
        .collect();
    let c = &d.computed;
    let mut total = vec![String::new(); 8];
    total[0] = "total".into();
    total.extend([
        d.totals.value_cny.to_string(),
        c.duty.to_string(),
        c.consumption_tax.to_string(),
        c.vat.to_string(),
    ]);
    rows.push(total);
    crate::output::FitTable {
        header,
        right,
        rows,
        drop_order: &LINES_DROP_ORDER,
    }
    .render()
}

pub(crate) fn totals_text(d: &Declaration) -> String {
    let levy = |name: &str, computed: rust_decimal::Decimal, levied: rust_decimal::Decimal| {
        if levied.is_zero() && !computed.is_zero() {
            format!(
                "  {name:<16} {:>14}  (sum {computed} is under CNY 50: not levied)\n",
                "0.00"
            )
        } else {
            format!("  {name:<16} {levied:>14}\n")
        }
    };
    let mut out = String::from("Levied\n");
    out.push_str(&levy("duty", d.computed.duty, d.totals.duty));
    out.push_str(&levy(
        "consumption tax",
        d.computed.consumption_tax,
        d.totals.consumption_tax,
    ));
    out.push_str(&levy("VAT", d.computed.vat, d.totals.vat));
    let from = d
        .interest_from
        .map(|f| f.to_string())
        .unwrap_or_else(|| "—".into());
    out.push_str(&format!(
        "  {:<16} {:>14}  (deferred interest from {from}, {} days at {} % a year / 360; not on scrap)\n",
        "interest", d.totals.interest, d.interest_days, d.interest_pct.normalize()
    ));
    out.push_str(&format!("  {:<16} {:>14}\n", "TOTAL CNY", d.totals.total));
    out
}

pub(crate) fn declaration_csv(d: &Declaration) -> String {
    let mut out = String::from("ref,line,date,goods,product,item,hs,qty,unit_value,currency,value_cny,duty,consumption_tax,vat,scrap\n");
    for l in &d.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_cell(&l.ref_),
            l.line,
            l.date,
            l.goods,
            l.product.map(|p| p.to_string()).unwrap_or_default(),
            l.item,
            l.hs,
            l.qty,
            l.unit_value.normalize(),
            l.currency,
            l.value_cny,
            l.duty,
            l.consumption_tax,
            l.vat,
            l.scrap
        ));
    }
    // The totals are not data rows: comments, aligned under the columns they sum. `computed`
    // is each tax's sum before the fifty-yuan rule, `levied` what is paid (a tax whose sum is
    // under CNY 50 is not levied: 0.00).
    let (c, t) = (&d.computed, &d.totals);
    out.push_str(&format!(
        "# computed,,,,,,,,,,{},{},{},{},\n# levied,,,,,,,,,,{},{},{},{},\n# interest,,,,,,,,,,{},,,,\n# total_cny,,,,,,,,,,{},,,,\n",
        t.value_cny, c.duty, c.consumption_tax, c.vat, t.value_cny, t.duty, t.consumption_tax, t.vat, t.interest, t.total
    ));
    out
}
