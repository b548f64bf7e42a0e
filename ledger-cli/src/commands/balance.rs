//! `bonded balance`: the per-item balances of a book as of a date.

use std::path::Path;

use anyhow::Result;
use ledger_core::model::ids::BookNo;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::state::balance::balances;

use crate::cli::{BalanceArgs, Format};
use crate::exit::{bad_input, Exit};
use crate::output::balance::balance_output;
use crate::session;

pub fn balance(dir: &Path, actor: &str, args: &BalanceArgs, format: Format) -> Result<()> {
    let account: BookNo = args
        .account
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--account: {e}")))?;
    let as_of = match &args.as_of {
        Some(d) => crate::input::parse_date(d).map_err(|e| bad_input(format!("--as-of: {e}")))?,
        None => crate::today_shanghai(),
    };
    let history = |l: &ledger_core::Ledger| session::reads::history_for(l, &account, as_of);
    let reads = session::reads::Reads::then(session::reads::balances(), &history);
    let s = session::open_reading(dir, actor, reads)?;
    let report = balances(&s.ledger, &account, as_of).map_err(|r| Exit {
        code: crate::exit::code_of_refusal(&r),
        message: r.to_string(),
    })?;
    if let Some(book) = s.ledger.book(&account) {
        let opens = book.header.cycle_start;
        if as_of < opens {
            eprintln!("bonded: note: book {account} opens on {opens}; nothing is on it before");
        }
    }
    if format == Format::Xlsx {
        return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
            crate::output::report_sheets::balance_sheets(book, &report, &s.position)
        });
    }
    crate::output::emit(
        &balance_output(&report, format, &s.position),
        format,
        args.out.as_deref(),
    )
}
