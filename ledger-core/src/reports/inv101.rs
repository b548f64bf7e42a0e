//! A list of the book as the INV101 file its customs client imports, and an INV101 file read
//! back into the book's movements: the two directions of one mapping, kept together so each is
//! the other's inverse (a list exported and loaded into a fresh store gives the same movements;
//! loaded into the store it came from, it changes nothing).
//!
//! What the ledger does not hold itself comes from the book's message settings (company,
//! declarant, customs office, defaults of port, transport and country) and from the items
//! (declared and legal units, factors, origin). Where a required element has no value, the
//! export names the element and where to give it.
//!
//! Two rules of the mapping (the message specification's defaults):
//! - an item without a first legal unit is taken to be declared in its legal unit (legal unit =
//!   declared unit, factor 1); legal quantities are qty × factor, half-up to 5 decimals;
//! - the line total is qty × unit price, half-up to 0.01; a unit price needs at most 4
//!   decimals, a quantity at most 5 — anything finer is refused, never rounded.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::events::commands::{ListFields, MovementLine};
use crate::events::ItemRegistered;
use crate::messages::codes;
use crate::messages::inv101::{self, Inv101, InvtHead, InvtLine};
use crate::messages::{Envelope, FieldError};
use crate::model::ids::{BookNo, Currency, ItemNo, PartNo};
use crate::model::money::round_half_up;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};
use crate::state::ledger::Book;

/// Country code of China: the destination of imports, the origin of goods made here.
const CHINA: &str = "142";

/// An element the export could not fill or that breaks a rule, and where to mend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportProblem {
    pub error: FieldError,
    /// Where the value comes from, e.g. "`bonded account set --account E… sccd=…`".
    pub hint: String,
}

impl std::fmt::Display for ExportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} — {}", self.error, self.hint)
    }
}

/// What the export needs besides the book: the list's lines (the movements the book counts
/// under the `ref`, in line order), when it is written, and which try it is.
pub struct ExportInput<'a> {
    pub ref_: &'a str,
    pub lines: &'a [MovementLine],
    /// The day the file is written (InputTime).
    pub today: NaiveDate,
    /// The envelope's send_time.
    pub send_time: NaiveDateTime,
    pub try_no: u32,
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn yyyymmdd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The goods mark of a list head: `I` materials (and scrap), `E` finished goods.
fn goods_mark(goods: GoodsKind) -> &'static str {
    match goods {
        GoodsKind::P => "E",
        GoodsKind::M | GoodsKind::S => "I",
    }
}

fn is_domestic_sale(mode: TradeMode) -> bool {
    matches!(
        mode,
        TradeMode::M0644 | TradeMode::M0245 | TradeMode::M0844 | TradeMode::M0845
    )
}

fn list_type(mode: TradeMode) -> Option<String> {
    match mode {
        TradeMode::M0654 | TradeMode::M0255 => Some("A".into()),
        TradeMode::M0657 | TradeMode::M0258 => Some("B".into()),
        _ => None,
    }
}

/// The item a line posts to, with its registration.
fn item_of<'a>(book: &'a Book, line: &MovementLine) -> Option<&'a ItemRegistered> {
    let goods = line.goods;
    let item = line.item.or_else(|| {
        line.part
            .as_ref()
            .and_then(|p| book.parts.get(p))
            .map(|(_, i)| *i)
    })?;
    book.items.get(&(goods, item))
}

/// The declared unit's code of an item: its `unit_code`, else its unit's name in the table.
fn declared_unit(item: &ItemRegistered) -> Option<String> {
    item.legal.unit_code.clone().or_else(|| {
        codes::unit_code(item.unit.as_str())
            .ok()
            .map(str::to_string)
    })
}

/// First legal unit and factor: the item's, or the declared unit with factor 1.
fn first_legal(item: &ItemRegistered) -> (Option<String>, Decimal) {
    match &item.legal.lawf_unit {
        Some(u) => (
            Some(u.clone()),
            item.legal.lawf_factor.unwrap_or(Decimal::ONE),
        ),
        None => (declared_unit(item), Decimal::ONE),
    }
}

/// The INV101 of list `input.ref_`, checked against every field rule; or every problem, each
/// naming the element and where to give its value. Nothing is written by this function.
pub fn export(book: &Book, input: &ExportInput) -> Result<Inv101, Vec<ExportProblem>> {
    let s = &book.settings.messages;
    let account = book.header.account.as_str();
    let list = book.lists.get(input.ref_);
    let Some(first) = input.lines.first() else {
        return Err(vec![problem(
            input.ref_,
            None,
            "GdsSeqno",
            "the list has no line the book still counts",
            "record its lines (movements with this ref) first".into(),
        )]);
    };
    let mut problems = Vec::new();
    // The head's values as each line has them: its own, else the book's default (a line that
    // states the default and one that leaves it to the book agree).
    let head_fields = |l: &MovementLine| {
        let f = l.list.as_deref().cloned().unwrap_or_default();
        // An export's country is each line's destination; an import's is the list's origin.
        let country = (l.dir == Direction::I).then(|| f.country.or_else(|| s.country.clone()));
        (
            f.port.or_else(|| s.port.clone()),
            f.transport.or_else(|| s.transport.clone()),
            country,
        )
    };
    for l in input.lines {
        for (what, same) in [
            ("date", l.date == first.date),
            ("mode", l.mode == first.mode),
            ("dir", l.dir == first.dir),
            ("goods", goods_mark(l.goods) == goods_mark(first.goods)),
            (
                "port, transport or country",
                head_fields(l) == head_fields(first),
            ),
        ] {
            if !same {
                problems.push(problem(
                    input.ref_,
                    Some(l.line),
                    "InvtHeadType",
                    &format!(
                        "line {} has another {what} than line {}: a list's lines share its head",
                        l.line, first.line
                    ),
                    "split the lines into lists of one date, mode, direction and kind of goods"
                        .into(),
                ));
            }
        }
    }
    let company_name = text(&s.company_name);
    let sccd = text(&s.sccd);
    let company = book.header.company.to_string();
    let dcl_sccd = s.declarant_sccd.clone().unwrap_or_else(|| sccd.clone());
    let dcl_code = s.declarant_code.clone().unwrap_or_else(|| company.clone());
    let dcl_name = s
        .declarant_name
        .clone()
        .unwrap_or_else(|| company_name.clone());
    let list_fields = first.list.as_deref().cloned().unwrap_or_default();
    let seq_no = list.and_then(|l| l.customs().seq_no.clone());
    let counted = list.map_or(input.lines.len() as u32, |l| l.lines);
    let dcl_typecd = match (&seq_no, counted) {
        (None, _) => "1",
        (Some(_), 0) => "3",
        (Some(_), _) => "2",
    };
    let gen_dec = s.gen_dec_flag.clone();
    let dclcus_typecd = s.dclcus_typecd.clone();
    let head = InvtHead {
        seq_no: seq_no.clone(),
        bond_invt_no: None,
        chg_tms_cnt: Some(match dcl_typecd {
            "1" => 0,
            _ => list.map_or(0, |l| l.exports),
        }),
        putrec_no: account.to_string(),
        etps_inner_invt_no: input.ref_.to_string(),
        dcl_typecd: dcl_typecd.into(),
        invt_type: Some("0".into()),
        bizop_etps_sccd: sccd.clone(),
        bizop_etpsno: company.clone(),
        bizop_etps_nm: company_name.clone(),
        rvsngd_etps_sccd: sccd.clone(),
        rcvgd_etpsno: company.clone(),
        rcvgd_etps_nm: company_name.clone(),
        dcl_etps_sccd: dcl_sccd.clone(),
        dcl_etpsno: dcl_code.clone(),
        dcl_etps_nm: dcl_name.clone(),
        input_credit_code: dcl_sccd.clone(),
        input_code: dcl_code.clone(),
        input_name: dcl_name.clone(),
        input_time: yyyymmdd(input.today),
        invt_dcl_time: yyyymmdd(first.date),
        impexp_markcd: first.dir.to_string(),
        mtpck_endprd_markcd: goods_mark(first.goods).into(),
        supv_modecd: first.mode.code().into(),
        trsp_modecd: list_fields
            .transport
            .clone()
            .or(s.transport.clone())
            .unwrap_or_default(),
        impexp_portcd: list_fields
            .port
            .clone()
            .or(s.port.clone())
            .unwrap_or_default(),
        dcl_plc_cuscd: text(&s.customs_office),
        stship_trsarv_natcd: list_fields
            .country
            .clone()
            .or(s.country.clone())
            .unwrap_or_default(),
        dclcus_flag: "1".into(),
        gen_dec_flag: gen_dec.clone(),
        dec_type: (gen_dec == "1").then(|| {
            match first.dir {
                Direction::I => "1",
                Direction::E => "2",
            }
            .to_string()
        }),
        dclcus_typecd: Some(dclcus_typecd.clone()),
        corr_entry_dcl_etps_sccd: (dclcus_typecd == "2").then(|| dcl_sccd.clone()),
        corr_entry_dcl_etps_no: (dclcus_typecd == "2").then(|| dcl_code.clone()),
        corr_entry_dcl_etps_nm: (dclcus_typecd == "2").then(|| dcl_name.clone()),
        list_type: list_type(first.mode),
        rlt_putrec_no: first.peer_account.as_ref().map(|p| p.as_str().to_string()),
        rmk: Some(format!("bonded ref {}", input.ref_)),
        ..InvtHead::default()
    };
    let mut lines = Vec::new();
    for l in input.lines {
        match export_line(book, l, dcl_typecd) {
            Ok(line) => lines.push(line),
            Err(mut p) => problems.append(&mut p),
        }
    }
    let mut doc = Inv101 {
        envelope: Envelope {
            version: "1.0".into(),
            message_type: "INV101".into(),
            send_time: Some(input.send_time),
            ..Envelope::default()
        },
        head,
        lines,
        sys_id: s.sys_id.clone(),
        oper_cus_reg_code: dcl_code,
        delcare_flag: s.declare_flag.clone(),
    };
    doc.envelope.file_name = inv101::file_name(&doc, input.try_no);
    doc.envelope.message_id = inv101::default_message_id(&doc, input.try_no);
    if let Err(errors) = inv101::validate(&doc) {
        problems.extend(errors.into_iter().map(|e| {
            let hint = hint(e.element, account);
            ExportProblem { error: e, hint }
        }));
    }
    // One problem once (a missing setting is named by several elements' rules).
    problems.dedup();
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems)
    }
}

fn export_line(
    book: &Book,
    l: &MovementLine,
    dcl_typecd: &str,
) -> Result<InvtLine, Vec<ExportProblem>> {
    let s = &book.settings.messages;
    let Some(item) = item_of(book, l) else {
        return Err(vec![problem(
            &l.ref_,
            Some(l.line),
            "PutrecSeqno",
            "the line's item is not registered on the book",
            "register the item (items file)".into(),
        )]);
    };
    let lf = l.list.as_deref().cloned().unwrap_or_default();
    let (lawf_unit, factor) = first_legal(item);
    let price = l.unit_price.or(item.price);
    let currency = l.currency.clone().or(item.currency.clone());
    let total = price
        .map(|p| round_half_up(l.qty * p, 2))
        .unwrap_or_default();
    let secd_qty = match (&item.legal.secd_lawf_unit, lf.secd_lawf_qty) {
        (None, _) => None,
        (Some(_), Some(q)) => Some(q),
        (Some(_), None) => item.legal.secd_factor.map(|f| round_half_up(l.qty * f, 5)),
    };
    let natcd =
        item.legal.origin.clone().or_else(|| {
            (l.dir == Direction::E || l.goods == GoodsKind::P).then(|| CHINA.to_string())
        });
    let destination = match l.dir {
        Direction::I => Some(CHINA.to_string()),
        Direction::E => lf.country.clone().or(s.country.clone()),
    };
    let part = l
        .part
        .as_ref()
        .map(|p| p.as_str().to_string())
        .or_else(|| item.parts.first().map(|p| p.as_str().to_string()));
    Ok(InvtLine {
        seq_no: None,
        gds_seqno: l.line,
        entry_gds_seqno: l.line,
        putrec_seqno: Some(item.item.0),
        gds_mtno: part.unwrap_or_default(),
        gdecd: item.hs.as_str().to_string(),
        gds_nm: item.name.clone(),
        gds_spcf_model_desc: item.spec.clone().unwrap_or_default(),
        dcl_unitcd: declared_unit(item).unwrap_or_default(),
        dcl_qty: l.qty,
        lawf_unitcd: lawf_unit.unwrap_or_default(),
        lawf_qty: lf
            .lawf_qty
            .unwrap_or_else(|| round_half_up(l.qty * factor, 5)),
        secd_lawf_unitcd: item.legal.secd_lawf_unit.clone(),
        secd_lawf_qty: secd_qty,
        wt_sf_val: item.legal.wt_factor,
        fst_sf_val: Some(factor),
        secd_sf_val: item.legal.secd_factor,
        dcl_currcd: currency
            .as_ref()
            .and_then(|c| codes::currency_numeric(c.as_str()).ok())
            .map(str::to_string)
            .unwrap_or_else(|| currency.map(|c| c.as_str().to_string()).unwrap_or_default()),
        dcl_uprc_amt: price.unwrap_or_default(),
        dcl_total_amt: total,
        usd_stat_total_amt: None,
        natcd: natcd.unwrap_or_default(),
        destination_natcd: destination.unwrap_or_default(),
        lvyrlf_modecd: if is_domestic_sale(l.mode) {
            s.domestic_duty_treatment.clone()
        } else {
            s.duty_treatment.clone()
        },
        cly_markcd: "0".into(),
        gross_wt: lf.gross_wt,
        net_wt: lf
            .net_wt
            .or_else(|| item.legal.wt_factor.map(|f| round_half_up(l.qty * f, 5))),
        ucns_verno: (l.goods == GoodsKind::P)
            .then(|| l.bom_version.map(|v| v.to_string()))
            .flatten(),
        modf_markcd: if dcl_typecd == "1" { "3" } else { "1" }.into(),
        ..InvtLine::default()
    })
}

fn problem(
    list: &str,
    line: Option<u32>,
    element: &'static str,
    why: &str,
    hint: String,
) -> ExportProblem {
    ExportProblem {
        error: FieldError {
            list: list.to_string(),
            line,
            element,
            problem: crate::messages::Problem::Other(why.to_string()),
        },
        hint,
    }
}

/// Where the value of `element` comes from.
fn hint(element: &str, account: &str) -> String {
    let set = |key: &str| format!("set it with `bonded account set --account {account} {key}=…`");
    match element {
        "BizopEtpsSccd" | "RvsngdEtpsSccd" => set("sccd"),
        "BizopEtpsNm" | "RcvgdEtpsNm" => set("company_name"),
        "BizopEtpsno" | "RcvgdEtpsno" => "the company code the book was opened with".into(),
        "DclEtpsSccd" | "InputCreditCode" | "CorrEntryDclEtpsSccd" => {
            format!("{} (default: the company's sccd)", set("declarant_sccd"))
        }
        "DclEtpsno" | "InputCode" | "CorrEntryDclEtpsNo" | "OperCusRegCode" => {
            format!("{} (default: the company code)", set("declarant_code"))
        }
        "DclEtpsNm" | "InputName" | "CorrEntryDclEtpsNm" => {
            format!("{} (default: the company name)", set("declarant_name"))
        }
        "DclPlcCuscd" => set("customs_office"),
        "ImpexpPortcd" => format!("give the movements a `port`, or {}", set("port")),
        "TrspModecd" => format!("give the movements a `transport`, or {}", set("transport")),
        "StshipTrsarvNatcd" => format!("give the movements a `country`, or {}", set("country")),
        "DestinationNatcd" => format!("give the export lines a `country`, or {}", set("country")),
        "Natcd" => "give the item an `origin` (items file)".into(),
        "DclUnitcd" => "give the item a `unit_code` (items file), or a unit named in the customs unit table".into(),
        "LawfUnitcd" | "LawfQty" | "FstSfVal" => "give the item `lawf_unit` and `lawf_factor` (items file)".into(),
        "SecdLawfUnitcd" | "SecdLawfQty" | "SecdSfVal" => {
            "give the item `secd_lawf_unit` and `secd_factor` (items file)".into()
        }
        "DclUprcAmt" | "DclTotalAmt" => {
            "give the line a `unit_price` (at most 4 decimals), or the item a `price`".into()
        }
        "DclCurrcd" => "give the line a `currency` (an ISO code of the customs currency table), or the item one".into(),
        "GdsMtno" => "give the line a `part`, or register the item's parts".into(),
        "DclQty" => "a quantity has at most 5 decimals in the message".into(),
        "GdsSpcfModelDesc" => "give the item a `spec` (items file)".into(),
        "LvyrlfModecd" => set("duty_treatment"),
        "GenDecFlag" | "DecType" => set("gen_dec_flag"),
        "DclcusTypecd" => set("dclcus_typecd"),
        "SysId" => set("sys_id"),
        "DelcareFlag" => set("declare_flag"),
        _ => "see the verification list's field rules in docs/USER_GUIDE.md".into(),
    }
}

/// A problem reading an INV101 into movements: the line (if any), the element, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    pub line: Option<u32>,
    pub element: &'static str,
    pub message: String,
}

/// The movements an INV101 file declares, as the same lines in a movements CSV would be.
/// `book` is the book the list names, when the store holds it: what the export derived from
/// it (the item's first part, legal quantities = qty × factor, the settings' port, transport
/// and country) is left out again, so a list exported and loaded back is the same line. (A
/// line that stated the book's default explicitly reads back without it: the file cannot
/// tell the two apart.)
pub fn movements_of(
    doc: &Inv101,
    book: Option<&Book>,
) -> Result<Vec<MovementLine>, Vec<ReadProblem>> {
    let h = &doc.head;
    let mut problems = Vec::new();
    let mut bad = |line: Option<u32>, element: &'static str, message: String| {
        problems.push(ReadProblem {
            line,
            element,
            message,
        });
    };
    let account: Option<BookNo> = h.putrec_no.trim().parse().ok();
    if account.is_none() {
        bad(
            None,
            "PutrecNo",
            format!("{:?} is not a book number", h.putrec_no),
        );
    }
    let mode: Option<TradeMode> = h.supv_modecd.trim().parse().ok();
    if mode.is_none() {
        bad(
            None,
            "SupvModecd",
            format!("{:?} is not a trade mode the ledger knows", h.supv_modecd),
        );
    }
    let dir: Option<Direction> = h.impexp_markcd.trim().parse().ok();
    if dir.is_none() {
        bad(
            None,
            "ImpexpMarkcd",
            format!("{:?} is not I or E", h.impexp_markcd),
        );
    }
    let date = NaiveDate::parse_from_str(h.invt_dcl_time.trim(), "%Y%m%d").ok();
    if date.is_none() {
        bad(
            None,
            "InvtDclTime",
            format!("{:?} is not a date yyyyMMdd", h.invt_dcl_time),
        );
    }
    let scrap_mode = matches!(
        mode,
        Some(
            TradeMode::M0844
                | TradeMode::M0845
                | TradeMode::M0864
                | TradeMode::M0865
                | TradeMode::M0400
        )
    );
    let goods = match h.mtpck_endprd_markcd.trim() {
        "E" => Some(GoodsKind::P),
        "I" if scrap_mode => Some(GoodsKind::S),
        "I" => Some(GoodsKind::M),
        other => {
            bad(
                None,
                "MtpckEndprdMarkcd",
                format!("{other:?} is not I or E"),
            );
            None
        }
    };
    let settings = book.map(|b| &b.settings.messages);
    let unless_default = |v: &str, default: Option<&Option<String>>| -> Option<String> {
        let v = v.trim();
        if v.is_empty() || default.is_some_and(|d| d.as_deref() == Some(v)) {
            None
        } else {
            Some(v.to_string())
        }
    };
    let port = unless_default(&h.impexp_portcd, settings.map(|s| &s.port));
    let transport = unless_default(&h.trsp_modecd, settings.map(|s| &s.transport));
    let head_country = unless_default(&h.stship_trsarv_natcd, settings.map(|s| &s.country));
    let peer: Option<BookNo> = h
        .rlt_putrec_no
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .and_then(|p| p.parse().ok());
    let mut out = Vec::new();
    for l in &doc.lines {
        let n = Some(l.gds_seqno);
        let item = l.putrec_seqno.map(ItemNo);
        let registered = match (book, item, goods) {
            (Some(b), Some(i), Some(g)) => b.items.get(&(g, i)),
            _ => None,
        };
        let part: Option<PartNo> = match l.gds_mtno.trim() {
            "" => None,
            p => match p.parse::<PartNo>() {
                Ok(p)
                    if registered.is_some_and(|r| r.parts.first() == Some(&p))
                        && item.is_some() =>
                {
                    None
                }
                Ok(p) => Some(p),
                Err(_) => {
                    bad(n, "GdsMtno", format!("{p:?} is not a part number"));
                    None
                }
            },
        };
        let currency: Option<Currency> = match l.dcl_currcd.trim() {
            "" => None,
            c => match codes::currency_iso(c).unwrap_or(c).parse::<Currency>() {
                Ok(c) => Some(c),
                Err(_) => {
                    bad(
                        n,
                        "DclCurrcd",
                        format!("{c:?} is not a currency of the customs table"),
                    );
                    None
                }
            },
        };
        let (lawf_unit, factor) = registered.map_or((None, Decimal::ONE), first_legal);
        let derived_lawf = round_half_up(l.dcl_qty * factor, 5);
        let lawf_qty = (registered.is_none()
            || l.lawf_qty != derived_lawf
            || lawf_unit.as_deref() != Some(l.lawf_unitcd.as_str()))
        .then_some(l.lawf_qty)
        .filter(|q| !(registered.is_none() && *q == l.dcl_qty && l.lawf_unitcd == l.dcl_unitcd));
        let secd_lawf_qty = l.secd_lawf_qty.filter(|q| {
            let derived = registered
                .and_then(|r| r.legal.secd_factor)
                .map(|f| round_half_up(l.dcl_qty * f, 5));
            derived != Some(*q)
        });
        let net_wt = l.net_wt.filter(|w| {
            let derived = registered
                .and_then(|r| r.legal.wt_factor)
                .map(|f| round_half_up(l.dcl_qty * f, 5));
            derived != Some(*w)
        });
        let country = match dir {
            Some(Direction::E) => {
                unless_default(&l.destination_natcd, settings.map(|s| &s.country))
                    .or(head_country.clone())
            }
            _ => head_country.clone(),
        };
        let bom_version = match l.ucns_verno.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.parse::<u32>() {
                Ok(v) => Some(v),
                Err(_) => {
                    bad(
                        n,
                        "UcnsVerno",
                        format!("{v:?} is not a unit-consumption version number"),
                    );
                    None
                }
            },
        };
        let (Some(account), Some(mode), Some(dir), Some(goods), Some(date)) =
            (account.clone(), mode, dir, goods, date)
        else {
            continue;
        };
        out.push(MovementLine {
            ref_: h.etps_inner_invt_no.trim().to_string(),
            line: l.gds_seqno,
            date,
            account,
            mode,
            dir,
            goods,
            qty: l.dcl_qty,
            item,
            part,
            unit_price: Some(l.dcl_uprc_amt).filter(|p| !p.is_zero()),
            currency,
            incoterm: None,
            freight: None,
            insurance: None,
            bom_version,
            peer_account: peer.clone(),
            subcontractor: None,
            list: ListFields {
                country,
                port: port.clone(),
                transport: transport.clone(),
                lawf_qty,
                secd_lawf_qty,
                gross_wt: l.gross_wt,
                net_wt,
            }
            .boxed(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
#[path = "inv101_tests.rs"]
mod tests;
