//! `bonded duty`, `duty file`, `duty quote` and `carry-over declare`: the monthly
//! domestic-sales declaration and the carry-over declarations (rendered by `output::duty`).

use super::{date, parse, refusal};
use crate::output::duty::{
    declaration_csv, declaration_json, declaration_output, lines_table, print_declaration,
    totals_text,
};
use std::path::Path;

use anyhow::Result;
use ledger_core::events::commands::Command;
use ledger_core::model::ids::{BookNo, Currency, ItemNo};
use ledger_core::model::period::Period;
use ledger_core::model::trade_mode::GoodsKind;
use ledger_core::reports::duty::{assess, quote};
use ledger_core::Refusal;

use crate::cli::{CarryOverDeclareArgs, DutyAction, DutyArgs, DutyFileArgs, DutyQuoteArgs, Format};
use crate::exit::bad_input;
use crate::output::{audit_json, audit_line, with_audit_csv};
use crate::session::{self};

pub fn run(dir: &Path, actor: &str, args: &DutyArgs, format: Format) -> Result<()> {
    match &args.action {
        Some(DutyAction::File(f)) => return file(dir, actor, f, format),
        Some(DutyAction::Quote(q)) => return quote_cmd(dir, actor, q, format),
        None => {}
    }
    let (Some(account), Some(month)) = (&args.account, &args.month) else {
        return Err(bad_input("duty needs --account and --month"));
    };
    let account: BookNo = parse("account", account)?;
    let period: Period = parse("month", month)?;
    let filed_on = args
        .filed
        .as_deref()
        .map(|f| date("filed", f))
        .transpose()?;
    let (s, assessed) = session::report_reading(dir, actor, session::reads::duty(), |ledger| {
        let book = ledger
            .book(&account)
            .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
        ledger_core::decide::check_duty_period(book, period)?;
        Ok::<_, Refusal>(match (filed_on, book.duty_filed.get(&period)) {
            // The declaration as filed: its figures are frozen.
            (None, Some(d)) => (d.clone(), true),
            (Some(f), _) => (assess(ledger, &account, period, f)?, false),
            (None, None) => (assess(ledger, &account, period, period.due())?, false),
        })
    })?;
    let (declaration, is_filed) = assessed.map_err(refusal)?;
    if format == Format::Xlsx {
        return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
            crate::output::report_sheets::duty_sheets(book, &declaration, &s.position)
        });
    }
    crate::output::emit(
        &declaration_output(
            &declaration,
            is_filed,
            format,
            crate::today_shanghai(),
            &s.position,
        ),
        format,
        args.out.as_deref(),
    )
}

/// The command `bonded duty file` records (also the demo's filings, made from the same flags).
pub fn file_command(args: &DutyFileArgs) -> Result<Command> {
    Ok(Command::FileDuty {
        account: parse("account", &args.account)?,
        period: parse("month", &args.month)?,
        date: date("date", &args.date)?,
    })
}

fn file(dir: &Path, actor: &str, args: &DutyFileArgs, format: Format) -> Result<()> {
    let command = file_command(args)?;
    let Command::FileDuty {
        ref account,
        period,
        date: on,
    } = command
    else {
        unreachable!("file_command makes a FileDuty")
    };
    let account = account.clone();
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(command)?;
    let filed = s
        .ledger
        .book(&account)
        .and_then(|b| b.duty_filed.get(&period))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the filed declaration of {period} is not in the book"))?;
    if format == Format::Table {
        if outcome.appended == 0 {
            println!("{period} was already recorded as filed on {on}; nothing recorded");
        } else {
            println!("recorded: the domestic sales of {period} were declared and paid on {on}");
        }
    }
    print_declaration(&filed, true, format, crate::today_shanghai(), &s.position);
    Ok(())
}

fn quote_cmd(dir: &Path, actor: &str, args: &DutyQuoteArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let item: ItemNo = parse("item", &args.item)?;
    let goods: GoodsKind = parse("goods", &args.goods)?;
    let qty =
        crate::input::parse_decimal(&args.qty).map_err(|e| bad_input(format!("--qty: {e}")))?;
    let on = match &args.date {
        Some(d) => date("date", d)?,
        None => crate::today_shanghai(),
    };
    let price = match &args.unit_price {
        None => None,
        Some(p) => {
            let p = crate::input::parse_decimal(p)
                .map_err(|e| bad_input(format!("--unit-price: {e}")))?;
            let c: Currency = match &args.currency {
                Some(c) => parse("currency", c)?,
                None => Currency::cny(),
            };
            Some((p, c))
        }
    };
    let s = session::open(dir, actor)?;
    let q = quote(
        &s.ledger,
        &account,
        goods,
        item,
        qty,
        args.bom_version,
        on,
        price,
    )
    .map_err(refusal)?;
    match format {
        Format::Json => {
            let mut v = declaration_json(&q, false);
            audit_json(&mut v, &s.position);
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Csv => print!("{}", with_audit_csv(declaration_csv(&q), &s.position)),
        Format::Table | Format::Ics | Format::Xlsx => {
            println!(
                "Quote — book {account}: domestic sale of {qty} of {} {item} declared on {on} (recorded nowhere)",
                goods.noun()
            );
            print!("{}", lines_table(&q));
            print!("{}", totals_text(&q));
            println!(
                "Declared alone. In the month's declaration the fifty-yuan rule applies to the month's totals."
            );
            print!("{}", audit_line(&s.position));
        }
    }
    Ok(())
}

/// The command `bonded carry-over declare` records (also the demo's, made from the same flags).
pub fn carry_over_command(args: &CarryOverDeclareArgs) -> Result<Command> {
    Ok(Command::DeclareCarryOver {
        account: parse("account", &args.account)?,
        month: parse("month", &args.month)?,
        date: date("date", &args.date)?,
    })
}

pub fn declare_carry_over(dir: &Path, actor: &str, args: &CarryOverDeclareArgs) -> Result<()> {
    let command = carry_over_command(args)?;
    let Command::DeclareCarryOver {
        month, date: on, ..
    } = command
    else {
        unreachable!("carry_over_command makes a DeclareCarryOver")
    };
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(command)?;
    if outcome.appended == 0 {
        println!("the carry-overs of {month} were already recorded as declared on {on}; nothing recorded");
    } else {
        println!("recorded: the carry-overs of {month} were declared on {on}");
    }
    Ok(())
}
