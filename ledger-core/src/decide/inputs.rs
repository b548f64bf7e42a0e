//! The limits every command's figures and dates are held to (DOMAIN.md §8), checked here in
//! `decide` so the command line and the server are covered alike: a quantity, price, amount,
//! rate or factor has at most 14 digits before the point and 9 after; a date lies from 1990 to
//! 2100. Each refusal is bad input naming the field.

use super::*;
use crate::model::book::Setting;
use crate::model::limits::{check_date, check_number as num, check_optional as opt, check_year};

/// Checks the figures and dates of `command` against the limits.
pub(super) fn check_inputs(command: &Command) -> Result<(), Refusal> {
    match command {
        Command::OpenBook(h) => {
            num("capacity-usd", h.capacity_usd)?;
            check_date("cycle-start", h.cycle_start)?;
            if h.cycle_start.day() != 1 {
                return Err(Refusal::bad(
                    "cycle-start",
                    format!(
                        "a write-off cycle starts on the first of a month, not on {} (did you \
                         mean {}?)",
                        h.cycle_start,
                        h.cycle_start.with_day(1).unwrap_or(h.cycle_start)
                    ),
                ));
            }
        }
        Command::ChangeSettings { changes, .. } => {
            for c in changes {
                match c {
                    Setting::DifferenceTolerance(d) => num("difference_tolerance", *d)?,
                    Setting::RiskMediumPct(d) => num("risk_medium_pct", *d)?,
                    Setting::RiskHighPct(d) => num("risk_high_pct", *d)?,
                    _ => {}
                }
            }
        }
        Command::RegisterItem(i) => {
            opt("price", i.price)?;
            opt("lawf_factor", i.legal.lawf_factor)?;
            opt("secd_factor", i.legal.secd_factor)?;
            opt("wt_factor", i.legal.wt_factor)?;
        }
        Command::DeclareUnitConsumption(b) => bom(b)?,
        Command::ApplyPendingConsumption { .. } => {}
        Command::RecordMovement(l) => movement(l)?,
        Command::CorrectMovement(_) => {}
        Command::RecordOpening(o) => {
            check_date("date", o.date)?;
            num("qty", o.qty)?;
            opt("unit_price", o.unit_price)?;
        }
        Command::RecordStocktake(s) => stocktake(s)?,
        Command::RecordWorkOrder(w) => {
            check_date("date", w.date)?;
            num("produced", w.produced)?;
            num("issued", w.issued)?;
            opt("scrap_qty", w.scrap_qty)?;
        }
        Command::SetFxRate(f) => {
            check_year("month", f.month.0)?;
            num("cny_per_unit", f.cny_per_unit)?;
        }
        Command::SetTariff(t) => {
            check_date("from", t.from)?;
            num("duty_pct", t.duty_pct)?;
            num("vat_pct", t.vat_pct)?;
            opt("consumption_pct", t.consumption_pct)?;
        }
        Command::SetInterestRate(i) => {
            check_date("from", i.from)?;
            num("annual_pct", i.annual_pct)?;
        }
        Command::SetPrice(p) => {
            check_date("date", p.date)?;
            num("unit_price", p.unit_price)?;
        }
        Command::FileDuty { date, .. }
        | Command::CloseCycle { date, .. }
        | Command::RemoveBook { date, .. }
        | Command::DeclareCarryOver { date, .. } => check_date("date", *date)?,
        Command::DeclareAnnual { year, date, .. } => {
            check_year("year", *year)?;
            check_date("date", *date)?;
        }
        Command::AddUser { .. }
        | Command::SetUserBooks { .. }
        | Command::ApproveReview { .. }
        | Command::RejectReview { .. } => {}
        Command::SubmitForReview { item, .. } => check_inputs(&item.command())?,
        Command::RecordListExport(e) => check_date("date", e.date)?,
        // A receipt's figures are customs' and only compared with the book's, never computed
        // with; its times are customs' clock, not business dates the book is kept by.
        Command::RecordReceipt { .. } => {}
    }
    Ok(())
}

fn bom(b: &BomInput) -> Result<(), Refusal> {
    num("net", b.net)?;
    num("tangible_loss_pct", b.tangible_loss_pct)?;
    num("intangible_loss_pct", b.intangible_loss_pct)?;
    num("bonded_pct", b.bonded_pct)
}

fn stocktake(s: &StocktakeInput) -> Result<(), Refusal> {
    check_date("date", s.date)?;
    num("qty", s.qty)
}

fn movement(l: &MovementLine) -> Result<(), Refusal> {
    check_date("date", l.date)?;
    num("qty", l.qty)?;
    opt("unit_price", l.unit_price)?;
    opt("freight", l.freight)?;
    opt("insurance", l.insurance)?;
    if let Some(f) = &l.list {
        opt("lawf_qty", f.lawf_qty)?;
        opt("secd_lawf_qty", f.secd_lawf_qty)?;
        opt("gross_wt", f.gross_wt)?;
        opt("net_wt", f.net_wt)?;
    }
    Ok(())
}
