//! `bonded`: the command line of the bonded ledger. Here: parse (`cli`), dispatch to
//! `commands::…`, map errors to exit codes (`exit`). The rooms: `commands` (one module per
//! command family), `input` (every input format into rows, rows into commands), `output`
//! (every rendering), `session` (the store: open, replay, append, the load pipeline), `serve`
//! (`bonded serve`), `bench` (`bonded bench`). The rules live in `ledger-core`, the log in
//! `ledger-store`.

mod bench;
mod cli;
mod commands;
mod exit;
mod input;
mod output;
mod serve;
mod session;
#[cfg(test)]
mod test_support;

use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Parser;

use cli::{AccountCommand, Cli, Command, FormatFlag};
use commands::{admin, cycle, demo, duty, exposure, lists, load, review};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    if !matches!(
        cli.command,
        Command::Serve(_) | Command::BenchServe(_) | Command::BenchWeb(_)
    ) {
        quiet_on_closed_pipe();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = exit::code_of(&err);
            eprintln!("bonded: {}", render_error(&err));
            ExitCode::from(code as u8)
        }
    }
}

/// A report piped into `head` or `less` that is closed early ends `bonded` quietly, as it does
/// any Unix tool: the Rust runtime ignores SIGPIPE, so the write would fail and `println!`
/// panic with a backtrace. The server keeps ignoring it (a client hanging up is not its end).
#[cfg(unix)]
fn quiet_on_closed_pipe() {
    // SAFETY: restores the default disposition of one signal, before any thread of ours
    // starts; `SIG_DFL` is valid for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quiet_on_closed_pipe() {}

/// The error and its causes, one sentence each, without repeating a typed message.
fn render_error(err: &anyhow::Error) -> String {
    if let Some(e) = err.downcast_ref::<exit::Exit>() {
        return e.message.clone();
    }
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

/// The acting user: `--actor`, `BONDED_ACTOR`, or the OS user.
fn actor(cli: &Cli) -> String {
    cli.actor
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| {
            session::set_actor_unknown();
            "unknown".to_string()
        })
}

/// A `--format` the command does not write is refused (2), never silently ignored: csv for
/// the reports and lists, json for those and the commands that print figures (user add,
/// bench, and export, whose JSON lines are its only output), table everywhere.
fn check_format(cli: &Cli) -> Result<()> {
    let csv = matches!(
        cli.command,
        Command::Balance(_)
            | Command::Duty(_)
            | Command::Deadlines(_)
            | Command::Cycle(cli::CycleCommand::Report(_))
            | Command::Declare(_)
            | Command::Exposure(_)
            | Command::Verify
            | Command::Load(_)
            | Command::Demo(_)
            | Command::User(cli::UserCommand::List)
            | Command::Pending(_)
            | Command::Lists(_)
            | Command::Reconcile(_)
    );
    let json = csv
        || matches!(
            cli.command,
            Command::User(cli::UserCommand::Add(_))
                | Command::Bench(_)
                | Command::Export(_)
                | Command::Rebuild
        );
    let ok = match cli.format {
        FormatFlag::Table => true,
        FormatFlag::Csv => csv,
        FormatFlag::Json => json,
        // Checked above and below, with the commands that write them.
        FormatFlag::Ics | FormatFlag::Xlsx | FormatFlag::Ems121 => true,
    };
    if ok {
        return Ok(());
    }
    let names: Vec<String> = <Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let name = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-') && names.contains(a))
        .unwrap_or_else(|| "this command".into());
    Err(exit::bad_input(format!(
        "--format {}: `{name}` writes no {} (it has {})",
        format_name(cli.format),
        format_name(cli.format),
        if json {
            "table and json"
        } else {
            "table output only"
        }
    )))
}

fn format_name(f: FormatFlag) -> &'static str {
    match f {
        FormatFlag::Table => "table",
        FormatFlag::Json => "json",
        FormatFlag::Csv => "csv",
        FormatFlag::Ics => "ics",
        FormatFlag::Xlsx => "xlsx",
        FormatFlag::Ems121 => "ems121",
    }
}

/// Today in Asia/Shanghai (UTC+8 all year: China keeps no daylight saving).
pub fn today_shanghai() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn run(cli: Cli) -> Result<()> {
    let actor = actor(&cli);
    let xlsx_ok = matches!(
        cli.command,
        Command::Cycle(cli::CycleCommand::Report(_))
            | Command::Declare(_)
            | Command::Duty(_)
            | Command::Balance(_)
            | Command::Reconcile(_)
    );
    // A quote is a figure for a conversation, not a paper: no workbook (it wrote nothing).
    let quote = matches!(&cli.command, Command::Duty(d) if matches!(d.action, Some(cli::DutyAction::Quote(_))));
    if cli.format == FormatFlag::Xlsx && (!xlsx_ok || quote) {
        return Err(exit::bad_input(
            "--format xlsx is for cycle report, declare annual, duty (not duty quote), balance and reconcile",
        ));
    }
    if cli.format == FormatFlag::Ems121
        && !matches!(cli.command, Command::Cycle(cli::CycleCommand::Report(_)))
    {
        return Err(exit::bad_input(
            "--format ems121 (the write-off declaration message) is for `bonded cycle report` only",
        ));
    }
    check_format(&cli)?;
    let format = cli.format.report();
    if cli.format == FormatFlag::Ics && !matches!(cli.command, Command::Deadlines(_)) {
        return Err(exit::bad_input(
            "--format ics is for `bonded deadlines` only",
        ));
    }
    session::store::set_store(cli.store.as_deref())?;
    session::snapshot::set_verbose(cli.verbose);
    if let Some(secs) = cli.wait {
        session::set_wait(std::time::Duration::from_secs(secs));
    }
    if let Some(day) = &cli.as_recorded {
        let day =
            input::parse_date(day).map_err(|e| exit::bad_input(format!("--as-recorded: {e}")))?;
        session::set_recorded_cutoff(day)?;
    }
    match &cli.command {
        Command::Init => admin::init(&cli.data, &actor),
        Command::Account(AccountCommand::Open(flags)) => {
            commands::account::account_open(&cli.data, &actor, flags)
        }
        Command::Account(AccountCommand::Set(args)) => {
            commands::account::account_set(&cli.data, &actor, args)
        }
        Command::Account(AccountCommand::Remove(args)) => {
            commands::account::remove(&cli.data, &actor, args)
        }
        Command::Cycle(cli::CycleCommand::Report(args)) if cli.format == FormatFlag::Ems121 => {
            lists::cycle_ems121(&cli.data, &actor, args)
        }
        Command::Cycle(cli::CycleCommand::Report(args)) => {
            cycle::report(&cli.data, &actor, args, format)
        }
        Command::Cycle(cli::CycleCommand::Close(args)) => cycle::close(&cli.data, &actor, args),
        Command::Declare(cli::DeclareCommand::Annual(args)) => {
            cycle::annual(&cli.data, &actor, args, format)
        }
        Command::Load(args) => load::run(&cli.data, &actor, args, format),
        Command::Balance(args) => commands::balance::balance(&cli.data, &actor, args, format),
        Command::Duty(args) => duty::run(&cli.data, &actor, args, format),
        Command::Deadlines(args) => commands::deadlines::deadlines(&cli.data, &actor, args, format),
        Command::CarryOver(cli::CarryOverCommand::Declare(args)) => {
            duty::declare_carry_over(&cli.data, &actor, args)
        }
        Command::Exposure(args) => exposure::run(&cli.data, &actor, args, format),
        Command::Lists(args) => lists::run(&cli.data, &actor, args, format),
        Command::Reconcile(args) => lists::reconcile(&cli.data, &actor, args, format),
        Command::Verify => admin::verify(&cli.data, format),
        Command::Rebuild => admin::rebuild(&cli.data, format),
        Command::Export(args) => admin::export(&cli.data, args),
        Command::Restore(args) => admin::restore(&cli.data, &args.file),
        Command::Copy(args) => commands::copy::run(args),
        Command::Demo(args) => demo::run(&cli.data, &actor, args, format),
        Command::User(cli::UserCommand::Add(args)) => {
            review::user_add(&cli.data, &actor, args, format)
        }
        Command::User(cli::UserCommand::List) => review::user_list(&cli.data, &actor, format),
        Command::User(cli::UserCommand::Grant(args)) => review::user_grant(&cli.data, &actor, args),
        Command::Pending(args) => review::pending(&cli.data, &actor, args, format),
        Command::Approve(args) => review::approve(&cli.data, &actor, args),
        Command::Reject(args) => review::reject(&cli.data, &actor, args),
        Command::Serve(args) => {
            if cli.as_recorded.is_some() {
                return Err(exit::bad_input(
                    "--as-recorded shows the store as it was; `bonded serve` serves it as it is",
                ));
            }
            serve::run(&cli.data, args)
        }
        Command::BenchServe(args) => serve::bench::run(args),
        Command::Completions(args) => commands::shell::completions(args),
        Command::Man(args) => commands::shell::man(args),
        Command::BenchWeb(args) => serve::web::bench::run(args.requests, args.on.as_deref()),
        Command::Bench(args) => bench::run(args, format),
    }
}
