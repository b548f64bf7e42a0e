//! `bonded account open|set|remove`: a book's header, its settings, and its removal once
//! written off.

use std::path::Path;

use anyhow::Result;
use ledger_core::events::commands::Command;
use ledger_core::model::book::Setting;
use ledger_core::model::ids::BookNo;

use super::{date, parse};
use crate::cli::{AccountOpen, AccountRemove, AccountSet};
use crate::exit::bad_input;
use crate::session;

pub fn account_open(dir: &Path, actor: &str, flags: &AccountOpen) -> Result<()> {
    let header = crate::input::rows::header_from_flags(flags).map_err(bad_input)?;
    let mut s = session::open(dir, actor)?;
    let account = header.account.clone();
    let outcome = s.execute(Command::OpenBook(header))?;
    if outcome.appended == 0 {
        println!("book {account} is already open with these settings; nothing recorded");
    } else {
        println!("opened book {account}");
    }
    Ok(())
}

pub fn account_set(dir: &Path, actor: &str, args: &AccountSet) -> Result<()> {
    let account =
        args.account
            .parse()
            .map_err(|e: ledger_core::model::refusal::InvalidValue| {
                bad_input(format!("--account: {e}"))
            })?;
    let mut changes = Vec::new();
    for kv in &args.settings {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(bad_input(format!("{kv:?}: a setting is written KEY=VALUE")));
        };
        changes.push(Setting::parse(k, v).map_err(|r| bad_input(r.to_string()))?);
    }
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(Command::ChangeSettings { account, changes })?;
    if outcome.appended == 0 {
        println!("the settings were already so; nothing recorded");
    } else {
        println!(
            "settings of book {} changed",
            args.account.trim().to_ascii_uppercase()
        );
    }
    Ok(())
}

pub fn remove(dir: &Path, actor: &str, args: &AccountRemove) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let on = date("date", &args.date)?;
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(Command::RemoveBook {
        account: account.clone(),
        date: on,
    })?;
    if outcome.appended == 0 {
        println!("book {account} was already recorded as removed on {on}; nothing recorded");
    } else {
        println!(
            "book {account} left the company-based mode on {on}; cancel it by {} (carry what is left into a new book with 0657/0258)",
            on + chrono::Days::new(30)
        );
    }
    Ok(())
}
