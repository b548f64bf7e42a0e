//! Rows of the contract's CSV files turned into ledger commands. Parsing problems are
//! collected per cell (`file:line: column: what is wrong`); whether a command fits the book
//! is for `decide` to say.

use std::str::FromStr;

use ledger_core::events::commands::*;
use ledger_core::messages::codes;
use ledger_core::model::book::BookHeader;
use ledger_core::model::customs_value::Incoterm;
use ledger_core::model::ids::{BookNo, ItemNo, PartNo};
use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::trade_mode::GoodsKind;

use crate::input::{Fields, FileKind, LineError, Row, Table};

/// Parses a required cell into a validated core type.
fn typed<T: FromStr<Err = InvalidValue>>(f: &mut Fields<'_>, col: &str) -> Option<T> {
    let raw = f.cell(col)?;
    parse_into(f, col, raw)
}

fn opt_typed<T: FromStr<Err = InvalidValue>>(f: &mut Fields<'_>, col: &str) -> Option<Option<T>> {
    match f.opt_cell(col) {
        None => Some(None),
        Some(raw) => parse_into(f, col, raw).map(Some),
    }
}

fn parse_into<T: FromStr<Err = InvalidValue>>(
    f: &mut Fields<'_>,
    col: &str,
    raw: &str,
) -> Option<T> {
    match raw.parse::<T>() {
        Ok(v) => Some(v),
        Err(e) => {
            f.error(
                col,
                format!("{:?} is not a valid {}: {}", truncate(raw), e.what, e.why),
            );
            None
        }
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

fn whole(f: &mut Fields<'_>, col: &str, required: bool) -> Option<Option<u32>> {
    let raw = if required {
        f.cell(col)
    } else {
        f.opt_cell(col)
    };
    match raw {
        None => Some(None),
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(n) => Some(Some(n)),
            Err(_) => {
                f.error(col, format!("{:?} is not a whole number", truncate(raw)));
                None
            }
        },
    }
}

fn required_whole(f: &mut Fields<'_>, col: &str) -> Option<u32> {
    whole(f, col, true).flatten()
}

fn goods_or_m(f: &mut Fields<'_>) -> Option<GoodsKind> {
    opt_typed::<GoodsKind>(f, "goods").map(|g| g.unwrap_or(GoodsKind::M))
}

/// The commands of the rows that parse, with the physical line each came from, and every bad
/// cell of the rows that do not.
pub fn commands(table: &Table) -> (Vec<(u64, Command)>, Vec<LineError>) {
    let mut rows = RowCommands::new(table);
    let out = rows.by_ref().collect();
    (out, rows.into_errors())
}

/// The commands of a table's rows, read one row at a time as they are wanted (so that a large
/// file is decided and stored while it is still being read); the bad cells gather as they
/// are met. A BOM file ends with one `ApplyPendingConsumption` per book it declares for:
/// finished-goods lines that waited for this unit consumption take it now.
pub struct RowCommands<'a> {
    table: &'a Table,
    rows: std::slice::Iter<'a, Row>,
    errors: Vec<LineError>,
    /// The books a BOM file declares unit consumption for, so far.
    declared_for: Vec<BookNo>,
    /// What follows the rows; filled when they run out.
    tail: Option<std::vec::IntoIter<(u64, Command)>>,
}

impl<'a> RowCommands<'a> {
    pub fn new(table: &'a Table) -> Self {
        RowCommands {
            table,
            rows: table.rows.iter(),
            errors: Vec::new(),
            declared_for: Vec::new(),
            tail: None,
        }
    }

    /// Whether every row read so far parsed.
    pub fn clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// The bad cells of the rows read.
    pub fn into_errors(self) -> Vec<LineError> {
        self.errors
    }

    fn next_row(&mut self) -> Option<(u64, Command)> {
        for row in self.rows.by_ref() {
            let mut f = Fields::new(&self.table.file, row, &mut self.errors);
            let before = f.error_count();
            let command = row_command(self.table.kind, &mut f);
            match command {
                Some(c) if f.error_count() == before => {
                    if let Command::DeclareUnitConsumption(b) = &c {
                        self.declared_for.push(b.account.clone());
                    }
                    return Some((row.line, c));
                }
                _ => {}
            }
        }
        None
    }
}

impl Iterator for RowCommands<'_> {
    type Item = (u64, Command);

    fn next(&mut self) -> Option<(u64, Command)> {
        if self.tail.is_none() {
            if let Some(command) = self.next_row() {
                return Some(command);
            }
            let mut accounts = std::mem::take(&mut self.declared_for);
            accounts.sort();
            accounts.dedup();
            let tail: Vec<(u64, Command)> = if self.table.kind == FileKind::Bom {
                accounts
                    .into_iter()
                    .map(|account| (0, Command::ApplyPendingConsumption { account }))
                    .collect()
            } else {
                Vec::new()
            };
            self.tail = Some(tail.into_iter());
        }
        self.tail.as_mut()?.next()
    }
}

fn row_command(kind: FileKind, f: &mut Fields<'_>) -> Option<Command> {
    match kind {
        FileKind::Items => items(f),
        FileKind::Bom => bom(f),
        FileKind::Movements => movement(f),
        FileKind::Corrections => correction(f),
        FileKind::Openings => opening(f),
        FileKind::Stocktake => stocktake(f),
        FileKind::Workorders => work_order(f),
        FileKind::Fx => fx(f),
        FileKind::Tariff => tariff(f),
        FileKind::Interest => interest(f),
        FileKind::Prices => price(f),
    }
}

fn items(f: &mut Fields<'_>) -> Option<Command> {
    let account = typed::<BookNo>(f, "account");
    let goods = typed(f, "goods");
    let item = typed::<ItemNo>(f, "item");
    let hs = typed(f, "hs");
    let name = f.text("name");
    let unit = typed(f, "unit");
    let spec = f.opt_text("spec");
    let price = f.opt_decimal("price");
    let currency = opt_typed(f, "currency");
    let mut parts = Vec::new();
    if let Some(raw) = f.opt_text("parts") {
        for p in raw.split('|').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some(part) = parse_into::<PartNo>(f, "parts", p) {
                if !parts.contains(&part) {
                    parts.push(part);
                }
            }
        }
    }
    Some(Command::RegisterItem(ItemInput {
        account: account?,
        goods: goods?,
        item: item?,
        hs: hs?,
        name: name?,
        unit: unit?,
        spec,
        price,
        currency: currency?,
        parts,
        legal: legal_units(f)?,
    }))
}

/// A code cell checked against a customs table: `None` when empty, `Some(None)` (with the
/// error reported) when it is not a code of the table.
fn code_cell(
    f: &mut Fields<'_>,
    col: &str,
    valid: fn(&str) -> bool,
    what: &str,
) -> Option<Option<String>> {
    let Some(raw) = f.opt_cell(col) else {
        return Some(None);
    };
    let v = raw.trim();
    if valid(v) {
        Some(Some(v.to_string()))
    } else {
        f.error(col, format!("{:?} is not {what}", truncate(raw)));
        None
    }
}

fn unit_table(v: &str) -> bool {
    v.len() == 3 && codes::is_unit(v)
}

fn country_table(v: &str) -> bool {
    v.len() == 3 && codes::is_country(v)
}

const UNIT_WHAT: &str =
    "a customs unit code (3 digits from the unit table, e.g. 007 个, 035 千克, 006 套)";
const COUNTRY_WHAT: &str =
    "a customs country code (3 digits, e.g. 142 China, 116 Japan, 502 United States)";

/// An item's optional units for the customs messages (all empty: nothing stored).
fn legal_units(f: &mut Fields<'_>) -> Option<LegalUnits> {
    let unit_code = code_cell(f, "unit_code", unit_table, UNIT_WHAT);
    let lawf_unit = code_cell(f, "lawf_unit", unit_table, UNIT_WHAT);
    let lawf_factor = positive(f, "lawf_factor");
    let secd_lawf_unit = code_cell(f, "secd_lawf_unit", unit_table, UNIT_WHAT);
    let secd_factor = positive(f, "secd_factor");
    let wt_factor = positive(f, "wt_factor");
    let origin = code_cell(f, "origin", country_table, COUNTRY_WHAT);
    Some(LegalUnits {
        unit_code: unit_code?,
        lawf_unit: lawf_unit?,
        lawf_factor: lawf_factor?,
        secd_lawf_unit: secd_lawf_unit?,
        secd_factor: secd_factor?,
        wt_factor: wt_factor?,
        origin: origin?,
    })
}

/// An optional decimal that must be above zero (a factor, a weight, a legal quantity).
fn positive(f: &mut Fields<'_>, col: &str) -> Option<Option<rust_decimal::Decimal>> {
    let before = f.error_count();
    let v = f.opt_decimal(col);
    if f.error_count() > before {
        return None;
    }
    match v {
        Some(d) if d <= rust_decimal::Decimal::ZERO => {
            f.error(col, format!("{d} must be more than zero"));
            None
        }
        v => Some(v),
    }
}

/// A movement's optional verification-list fields (all empty: nothing stored).
fn list_fields(f: &mut Fields<'_>) -> Option<Option<Box<ListFields>>> {
    let country = code_cell(f, "country", country_table, COUNTRY_WHAT);
    let port = code_cell(
        f,
        "port",
        |v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()),
        "a customs office code (4 digits, e.g. 5301)",
    );
    let transport = code_cell(
        f,
        "transport",
        |v| codes::in_table(codes::TRANSPORT_MODES, v),
        "a transport mode (one digit: 2 water, 3 rail, 4 road, 5 air, 9 other …)",
    );
    let lawf_qty = positive(f, "lawf_qty");
    let secd_lawf_qty = positive(f, "secd_lawf_qty");
    let gross_wt = positive(f, "gross_wt");
    let net_wt = positive(f, "net_wt");
    Some(
        ListFields {
            country: country?,
            port: port?,
            transport: transport?,
            lawf_qty: lawf_qty?,
            secd_lawf_qty: secd_lawf_qty?,
            gross_wt: gross_wt?,
            net_wt: net_wt?,
        }
        .boxed(),
    )
}

fn bom(f: &mut Fields<'_>) -> Option<Command> {
    let account = typed(f, "account");
    let product = typed(f, "product");
    let material = typed(f, "material");
    let version = required_whole(f, "version");
    let net = f.decimal("net");
    let tangible = f.opt_decimal("tangible_loss_pct");
    let intangible = f.opt_decimal("intangible_loss_pct");
    let bonded = f.opt_decimal("bonded_pct");
    Some(Command::DeclareUnitConsumption(BomInput {
        account: account?,
        product: product?,
        material: material?,
        version: version?,
        net: net?,
        tangible_loss_pct: tangible.unwrap_or_default(),
        intangible_loss_pct: intangible.unwrap_or_default(),
        bonded_pct: bonded.unwrap_or(rust_decimal::Decimal::ONE_HUNDRED),
    }))
}

fn movement(f: &mut Fields<'_>) -> Option<Command> {
    let ref_ = f.text("ref");
    let line = required_whole(f, "line");
    let date = f.date("date");
    let account = typed(f, "account");
    let mode = typed(f, "mode");
    let dir = typed(f, "dir");
    let goods = typed(f, "goods");
    let qty = f.decimal("qty");
    let item = opt_typed(f, "item");
    let part = opt_typed(f, "part");
    let unit_price = f.opt_decimal("unit_price");
    let currency = opt_typed(f, "currency");
    let incoterm = opt_typed::<Incoterm>(f, "incoterm");
    let freight = f.opt_decimal("freight");
    let insurance = f.opt_decimal("insurance");
    let bom_version = whole(f, "bom_version", false);
    let peer_account = opt_typed(f, "peer_account");
    let subcontractor = f.opt_text("subcontractor");
    let list = list_fields(f);
    let (item, part) = (item?, part?);
    if item.is_none() && part.is_none() {
        f.error_line("give the item number (item) or the part number (part)");
        return None;
    }
    Some(Command::RecordMovement(MovementLine {
        ref_: ref_?,
        line: line?,
        date: date?,
        account: account?,
        mode: mode?,
        dir: dir?,
        goods: goods?,
        qty: qty?,
        item,
        part,
        unit_price,
        currency: currency?,
        incoterm: incoterm?,
        freight,
        insurance,
        bom_version: bom_version?,
        peer_account: peer_account?,
        subcontractor,
        list: list?,
    }))
}

fn correction(f: &mut Fields<'_>) -> Option<Command> {
    let ref_ = f.text("ref");
    let line = required_whole(f, "line");
    let account = typed(f, "account");
    let reason = f.text("reason");
    Some(Command::CorrectMovement(CorrectionInput {
        account: account?,
        ref_: ref_?,
        line: line?,
        reason: reason?,
    }))
}

fn opening(f: &mut Fields<'_>) -> Option<Command> {
    let account = typed(f, "account");
    let date = f.date("date");
    let item = typed(f, "item");
    let qty = f.decimal("qty");
    let unit_price = f.opt_decimal("unit_price");
    let currency = opt_typed(f, "currency");
    Some(Command::RecordOpening(OpeningInput {
        account: account?,
        date: date?,
        item: item?,
        qty: qty?,
        unit_price,
        currency: currency?,
    }))
}

fn stocktake(f: &mut Fields<'_>) -> Option<Command> {
    let account = typed(f, "account");
    let date = f.date("date");
    let item = typed(f, "item");
    let qty = f.decimal("qty");
    let goods = goods_or_m(f);
    Some(Command::RecordStocktake(StocktakeInput {
        account: account?,
        date: date?,
        goods: goods?,
        item: item?,
        qty: qty?,
    }))
}

fn work_order(f: &mut Fields<'_>) -> Option<Command> {
    let account = typed(f, "account");
    let order = f.text("order");
    let date = f.date("date");
    let product = typed(f, "product");
    let produced = f.decimal("produced");
    let material = typed(f, "material");
    let issued = f.decimal("issued");
    let scrap_item = opt_typed(f, "scrap_item");
    let scrap_qty = f.opt_decimal("scrap_qty");
    Some(Command::RecordWorkOrder(WorkOrderInput {
        account: account?,
        order: order?,
        date: date?,
        product: product?,
        produced: produced?,
        material: material?,
        issued: issued?,
        scrap_item: scrap_item?,
        scrap_qty,
    }))
}

fn fx(f: &mut Fields<'_>) -> Option<Command> {
    let month = f.month("month");
    let currency = typed(f, "currency");
    let rate = f.decimal("cny_per_unit");
    Some(Command::SetFxRate(FxInput {
        month: month?,
        currency: currency?,
        cny_per_unit: rate?,
    }))
}

fn tariff(f: &mut Fields<'_>) -> Option<Command> {
    let hs = typed(f, "hs");
    let from = f.date("from");
    let duty = f.decimal("duty_pct");
    let vat = f.decimal("vat_pct");
    let consumption = f.opt_decimal("consumption_pct");
    Some(Command::SetTariff(TariffInput {
        hs: hs?,
        from: from?,
        duty_pct: duty?,
        vat_pct: vat?,
        consumption_pct: consumption,
    }))
}

fn price(f: &mut Fields<'_>) -> Option<Command> {
    let (account, item, date) = (typed(f, "account"), typed(f, "item"), f.date("date"));
    let (unit_price, currency) = (f.decimal("unit_price"), typed(f, "currency"));
    Some(Command::SetPrice(
        ledger_core::events::commands::PriceInput {
            account: account?,
            item: item?,
            date: date?,
            unit_price: unit_price?,
            currency: currency?,
        },
    ))
}

fn interest(f: &mut Fields<'_>) -> Option<Command> {
    let from = f.date("from");
    let pct = f.decimal("annual_pct");
    Some(Command::SetInterestRate(InterestInput {
        from: from?,
        annual_pct: pct?,
    }))
}

/// `bonded account open` flags made into a header.
pub fn header_from_flags(flags: &crate::cli::AccountOpen) -> Result<BookHeader, String> {
    let parse_err = |e: InvalidValue| e.to_string();
    let headings = match &flags.headings {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| h.parse().map_err(parse_err))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let capacity_usd = crate::input::parse_decimal(&flags.capacity_usd)
        .map_err(|e| format!("--capacity-usd: {e}"))?;
    let cycle_start =
        crate::input::parse_date(&flags.cycle_start).map_err(|e| format!("--cycle-start: {e}"))?;
    Ok(BookHeader {
        account: flags.account.parse().map_err(parse_err)?,
        company: flags.company.parse().map_err(parse_err)?,
        kind: flags.kind.into(),
        level: flags.level.into(),
        capacity_usd,
        cycle_start,
        cycle_months: flags.cycle_months,
        headings,
    })
}

#[cfg(test)]
#[path = "rows_props.rs"]
mod props;
