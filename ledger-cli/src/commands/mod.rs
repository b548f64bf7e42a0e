//! One module per command family: each parses its arguments, asks `ledger-core` (through a
//! store session) and prints what `output` renders. No customs rule is decided here.

pub mod account;
pub mod admin;
pub mod balance;
pub mod copy;
pub mod cycle;
pub mod deadlines;
pub mod demo;
pub mod duty;
pub mod exposure;
pub mod lists;
pub mod load;
pub mod review;
pub mod shell;

use anyhow::Result;
use chrono::NaiveDate;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::Refusal;

use crate::exit::{bad_input, code_of_refusal, Exit};

/// A refusal of the core as the exit it ends the program with (2 bad input, 3 a rule).
pub(crate) fn refusal(r: Refusal) -> anyhow::Error {
    Exit {
        code: code_of_refusal(&r),
        message: r.to_string(),
    }
    .into()
}

/// A flag's value parsed as its type; a bad one is bad input naming the flag.
pub(crate) fn parse<T: std::str::FromStr<Err = InvalidValue>>(
    flag: &str,
    value: &str,
) -> Result<T> {
    value
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--{flag}: {e}")))
}

/// A date flag's value (`YYYY-MM-DD`); a bad one is bad input naming the flag.
pub(crate) fn date(flag: &str, value: &str) -> Result<NaiveDate> {
    crate::input::parse_date(value).map_err(|e| bad_input(format!("--{flag}: {e}")))
}
