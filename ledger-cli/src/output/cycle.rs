//! The write-off reports rendered: the balance identity, carry-over pairs, the cycle report.

use crate::output::{audit_line, csv_cell};
use crate::session::Position;
use ledger_core::reports::cycle::{CarryOverLine, CustomsWriteOff, CycleReport, IdentityLine};
use rust_decimal::Decimal;

pub(crate) const IDENTITY_HEADER: &str = "item,name,unit,opening,imported,carried_in,consumed,carried_out,domestic_sold,re_exported,destroyed,closing,stocktake,difference,flag";

pub(crate) fn identity_csv(lines: &[IdentityLine]) -> String {
    let mut out = format!("{IDENTITY_HEADER}\n");
    for m in lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            m.item,
            csv_cell(&m.name),
            csv_cell(&m.unit),
            m.opening,
            m.imported,
            m.carried_in,
            m.consumed,
            m.carried_out,
            m.domestic_sold,
            m.re_exported,
            m.destroyed,
            m.closing,
            m.stocktake.map(|d| d.to_string()).unwrap_or_default(),
            m.difference.map(|d| d.to_string()).unwrap_or_default(),
            m.flag.clone().unwrap_or_default()
        ));
    }
    out
}

/// The columns a narrow terminal leaves out first (the item, closing, stocktake, difference
/// and flag stay).
const IDENTITY_DROP_ORDER: [&str; 10] = [
    "carried_in",
    "carried_out",
    "re_exported",
    "destroyed",
    "domestic_sold",
    "opening",
    "unit",
    "imported",
    "consumed",
    "name",
];

pub(crate) fn identity_table(lines: &[IdentityLine]) -> String {
    let header: Vec<&str> = IDENTITY_HEADER.split(',').collect();
    let right = (0..header.len())
        .map(|i| (3..header.len() - 1).contains(&i))
        .collect();
    let q = crate::output::qty;
    let rows = lines
        .iter()
        .map(|m| {
            let flag = match m.flag.as_deref() {
                Some("shortage") => "SHORTAGE",
                Some("surplus") => "surplus",
                _ => "",
            };
            vec![
                m.item.to_string(),
                m.name.clone(),
                m.unit.clone(),
                q(m.opening),
                q(m.imported),
                q(m.carried_in),
                q(m.consumed),
                q(m.carried_out),
                q(m.domestic_sold),
                q(m.re_exported),
                q(m.destroyed),
                q(m.closing),
                m.stocktake.map(q).unwrap_or_else(|| "—".into()),
                m.difference.map(q).unwrap_or_else(|| "—".into()),
                flag.to_string(),
            ]
        })
        .collect();
    crate::output::FitTable {
        header,
        right,
        rows,
        drop_order: &IDENTITY_DROP_ORDER,
    }
    .render()
}

pub(crate) fn carry_over_text(lines: &[CarryOverLine]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("Remaining-material carry-overs (余料结转):\n");
    for c in lines {
        out.push_str(&format!(
            "  {} {}/{} {} material {} qty {} {} {} — {}\n",
            c.date,
            c.ref_,
            c.line,
            if c.dir == ledger_core::model::trade_mode::Direction::E {
                "out"
            } else {
                "in"
            },
            c.item,
            c.qty,
            if c.dir == ledger_core::model::trade_mode::Direction::E {
                "to"
            } else {
                "from"
            },
            c.peer_account
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            c.pairing.replace('_', " ")
        ));
    }
    out
}

/// Customs' figures against the book's, in lines a clerk can check one by one.
fn customs_comparison_text(c: &CustomsWriteOff) -> String {
    let mut out = String::new();
    if c.rows == 0 {
        return out;
    }
    let show = |d: Option<Decimal>| {
        d.map(|d| d.normalize().to_string())
            .unwrap_or_else(|| "no row".into())
    };
    if c.differences.is_empty() {
        out.push_str(&format!(
            "  Customs' figures for the {} item rows it returned agree with the book's.\n",
            c.rows
        ));
    } else {
        out.push_str(&format!(
            "  Where customs' figures differ from the book's ({} of {} rows returned):\n",
            c.differences
                .iter()
                .map(|d| (&d.goods, d.item))
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            c.rows
        ));
        for d in &c.differences {
            out.push_str(&format!(
                "    {} {} {}: book {}, customs {}\n",
                if d.goods == "E" {
                    "finished"
                } else {
                    "material"
                },
                d.item,
                d.column,
                show(d.book),
                show(d.customs)
            ));
        }
    }
    for a in &c.adjustments {
        out.push_str(&format!(
            "  Customs adjusted {} {}: added {} (核增), reduced {} (核减)\n",
            if a.goods == "E" {
                "finished"
            } else {
                "material"
            },
            a.item,
            a.added.normalize(),
            a.reduced.normalize()
        ));
    }
    out
}

pub(crate) fn cycle_text(r: &CycleReport, p: &Position) -> String {
    let mut out = format!(
        "Book {} — self-verification report of cycle {} ({} to {}), report due {}{}\n",
        r.account,
        r.cycle,
        r.start,
        r.end,
        r.report_due,
        r.closed_on
            .map(|d| format!(", written off on {d}"))
            .unwrap_or_default()
    );
    out.push_str(&match r.stocktake_date {
        Some(d) => format!(
            "Stocktake of {d} (finished goods and goods at subcontractors converted into materials by their BOM); differences up to {} are shown, not flagged.\n",
            r.tolerance.normalize()
        ),
        None => "No stocktake in this cycle: load one before the write-off.\n".to_string(),
    });
    if let Some(c) = &r.customs_result {
        out.push_str(&format!(
            "Customs' answer to the write-off declaration (EMS221){}: {} — {}\n",
            c.date.map(|d| format!(" of {d}")).unwrap_or_default(),
            c.result.as_deref().unwrap_or("no result code"),
            c.meaning
        ));
        out.push_str(&customs_comparison_text(c));
    }
    out.push_str(&identity_table(&r.materials));
    let flagged: Vec<&IdentityLine> = r.materials.iter().filter(|m| m.flag.is_some()).collect();
    for m in &flagged {
        let d = m.difference.unwrap_or_default();
        out.push_str(&format!(
            "  {} material {} ({}): {} {}\n",
            if d.is_sign_negative() {
                "SHORTAGE"
            } else {
                "surplus "
            },
            m.item,
            m.name,
            d.abs(),
            m.unit
        ));
    }
    if let Some(d) = &r.shortages {
        out.push_str(&format!(
            "Supplementary declaration (补充申报) the shortages call for, valued as domestic sales declared on {}: value {} CNY, duty {}, consumption tax {}, VAT {}, deferred interest {} — total {} CNY. Record them as domestic sales (0644/0245) dated in the cycle before the write-off.\n",
            d.filed, d.totals.value_cny, d.totals.duty, d.totals.consumption_tax, d.totals.vat, d.totals.interest, d.totals.total
        ));
    }
    if let Some(n) = &r.note {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&carry_over_text(&r.carry_overs));
    out.push_str(&audit_line(p));
    out
}

#[cfg(test)]
mod customs_answer_tests {
    use super::*;

    /// Customs' answer to the write-off (EMS221) is said on the report people read.
    #[test]
    fn the_report_says_what_customs_answered() {
        let d = |s: &str| s.parse().expect("date");
        let r = CycleReport {
            account: "E44038000001".parse().expect("book"),
            cycle: 1,
            start: d("2026-01-01"),
            end: d("2026-12-31"),
            report_due: d("2027-01-30"),
            closed_on: None,
            stocktake_date: None,
            tolerance: rust_decimal::Decimal::new(1, 2),
            materials: vec![],
            carry_overs: vec![],
            shortages: None,
            note: None,
            customs_result: Some(CustomsWriteOff {
                result: Some("2".into()),
                date: Some(d("2027-02-01")),
                meaning: "write-off approved: close the cycle (bonded cycle close)".into(),
                rows: 2,
                differences: vec![],
                adjustments: vec![],
            }),
        };
        let text = cycle_text(&r, &Position::default());
        assert!(
            text.contains("Customs' answer to the write-off declaration (EMS221) of 2027-02-01: 2 — write-off approved"),
            "{text}"
        );
        assert!(
            text.contains(
                "Customs' figures for the 2 item rows it returned agree with the book's."
            ),
            "{text}"
        );
    }
}
