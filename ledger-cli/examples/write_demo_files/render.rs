//! The generated year as the CSV files the ledger loads, in the contract's columns.

use super::*;

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn row(fields: &[String]) -> String {
    let mut out = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    out
}

pub(crate) fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub(crate) fn render_fx() -> String {
    let mut out = String::from("month,currency,cny_per_unit\n");
    for month in 1..=12u32 {
        for c in FX_CURRENCIES {
            let row = FX[(month - 1) as usize];
            let rate = match c {
                "USD" => row.0,
                "JPY" => row.1,
                "EUR" => row.2,
                _ => row.3,
            };
            out.push_str(&format!("2025-{month:02},{c},{rate}\n"));
        }
    }
    // The first quarter of 2026 at December's rates: the write-off report of 2025 is made then,
    // and values the year's shortages at the rates of its month.
    for month in 1..=3u32 {
        for c in FX_CURRENCIES {
            let row = FX[11];
            let rate = match c {
                "USD" => row.0,
                "JPY" => row.1,
                "EUR" => row.2,
                _ => row.3,
            };
            out.push_str(&format!("2026-{month:02},{c},{rate}\n"));
        }
    }
    out
}

pub(crate) fn render_tariff() -> String {
    let mut out = String::from("hs,from,duty_pct,vat_pct,consumption_pct\n");
    for (hs, duty, ct) in TARIFF {
        out.push_str(&format!("{hs},2025-01-01,{duty},13,{ct}\n"));
    }
    out
}

pub(crate) fn render_items() -> String {
    let mut out = String::from("account,goods,item,hs,name,unit,spec,price,currency,parts\n");
    for m in MATERIALS.iter() {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            "M".into(),
            m.item.to_string(),
            m.hs.into(),
            m.name.into(),
            m.unit.into(),
            m.spec.into(),
            m.price.into(),
            m.currency.into(),
            m.parts.join("|"),
        ]));
    }
    for p in PRODUCTS.iter() {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            "P".into(),
            p.item.to_string(),
            p.hs.into(),
            p.name.into(),
            p.unit.into(),
            p.spec.into(),
            p.price.into(),
            "USD".into(),
            p.parts.join("|"),
        ]));
    }
    for (item, hs, name, unit, price) in SCRAP {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            "S".into(),
            item.to_string(),
            hs.into(),
            name.into(),
            unit.into(),
            "生产边角料".into(),
            price.into(),
            "CNY".into(),
            String::new(),
        ]));
    }
    out
}

pub(crate) fn render_bom() -> String {
    let mut out = String::from(
        "account,product,material,version,net,tangible_loss_pct,intangible_loss_pct,bonded_pct\n",
    );
    for (p, v, m, net, t, i, b) in BOM {
        out.push_str(&format!("{DEMO_ACCOUNT},{p},{m},{v},{net},{t},{i},{b}\n"));
    }
    out
}

pub(crate) fn render_work_orders(rows: &[WorkOrderRow]) -> String {
    let mut out =
        String::from("account,order,date,product,produced,material,issued,scrap_item,scrap_qty\n");
    for w in rows {
        out.push_str(&row(&[
            DEMO_ACCOUNT.into(),
            w.order.clone(),
            w.date.to_string(),
            w.product.to_string(),
            fmt(w.produced),
            w.material.to_string(),
            fmt(w.issued),
            opt(w.scrap.map(|s| s.0)),
            opt(w.scrap.map(|s| fmt(s.1))),
        ]));
    }
    out
}

pub(crate) fn render_movements(lists: &[List]) -> String {
    let mut out = String::from(
        "ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency,incoterm,freight,insurance,bom_version,peer_account,subcontractor\n",
    );
    let mut seq: BTreeMap<u32, u32> = BTreeMap::new();
    for list in lists {
        let n = seq.entry(list.date.month()).or_default();
        *n += 1;
        let reference = format!("QD{}{:02}{:04}", list.date.year(), list.date.month(), n);
        for (i, l) in list.lines.iter().enumerate() {
            out.push_str(&row(&[
                reference.clone(),
                (i + 1).to_string(),
                list.date.to_string(),
                DEMO_ACCOUNT.into(),
                l.mode.into(),
                l.dir.into(),
                l.goods.into(),
                fmt(l.qty),
                if l.part.is_some() {
                    String::new()
                } else {
                    l.item.to_string()
                },
                opt(l.part),
                opt(l.unit_price.map(fmt)),
                opt(l.currency),
                opt(l.incoterm),
                opt(l.freight.map(fmt)),
                String::new(),
                opt(l.bom_version),
                opt(l.peer),
                opt(l.subcontractor),
            ]));
        }
    }
    out
}

pub(crate) fn render_stocktake(counts: &[Count]) -> String {
    let mut out = String::from("account,date,item,qty,goods\n");
    for (goods, item, qty) in counts {
        out.push_str(&format!(
            "{DEMO_ACCOUNT},2025-12-31,{item},{},{goods}\n",
            fmt(*qty)
        ));
    }
    out
}
