//! `bonded completions SHELL` and `bonded man`: generated from the clap definitions of
//! `cli.rs`, so they say what --help says.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs, Shell};

pub fn completions(args: &CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "bonded", &mut out);
    std::io::stdout()
        .write_all(&out)
        .context("cannot write the completions")
}

/// The page of `bonded` with a section per command (clap_mangen renders one command; the
/// subcommands are appended as sections of the same page).
pub fn man_page() -> Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .context("cannot render the manual page")?;
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("bonded {}", sub.get_name());
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let sub = sub.clone().bin_name(name);
        clap_mangen::Man::new(sub.clone())
            .render_description_section(&mut out)
            .context("cannot render the manual page")?;
        clap_mangen::Man::new(sub.clone())
            .render_options_section(&mut out)
            .context("cannot render the manual page")?;
        if sub.has_subcommands() {
            clap_mangen::Man::new(sub.clone())
                .render_subcommands_section(&mut out)
                .context("cannot render the manual page")?;
        }
        if let Some(after) = sub.get_after_help() {
            out.extend_from_slice(b".PP\n.nf\n");
            out.extend_from_slice(after.to_string().replace('\\', "\\\\").as_bytes());
            out.extend_from_slice(b"\n.fi\n");
        }
    }
    Ok(out)
}

pub fn man(args: &ManArgs) -> Result<()> {
    let page = man_page()?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &page).with_context(|| format!("cannot write {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(&page)
            .context("cannot write the manual page"),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use crate::cli::Cli;

    /// Every option and positional argument of every command says what it is for.
    #[test]
    fn every_argument_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "bonded", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:?}");
    }

    /// Every command (except the families, whose commands have theirs) shows an example, and
    /// the four global options stand in their own section.
    #[test]
    fn every_command_has_an_example_and_the_globals_their_heading() {
        let cli = Cli::command();
        let mut without = Vec::new();
        for sub in cli.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let text = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !text.contains("bonded ") {
                without.push(sub.get_name().to_string());
            }
        }
        assert!(without.is_empty(), "no example: {without:?}");
        for id in ["data", "actor", "as_recorded", "format"] {
            let arg = cli
                .get_arguments()
                .find(|a| a.get_id().as_str() == id)
                .unwrap_or_else(|| panic!("no global {id}"));
            assert_eq!(arg.get_help_heading(), Some("Global options"), "{id}");
        }
    }

    #[test]
    fn the_man_page_is_roff_with_every_command() {
        let page = String::from_utf8(super::man_page().expect("page")).expect("utf-8");
        assert!(
            page.starts_with(".ie") || page.contains(".TH bonded"),
            "{}",
            &page[..200]
        );
        for name in [
            "BONDED BALANCE",
            "BONDED DUTY",
            "BONDED SERVE",
            "BONDED COMPLETIONS",
        ] {
            assert!(page.contains(name), "no section {name}");
        }
    }

    #[test]
    fn completions_name_the_commands_and_options() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "bonded", &mut out);
            let text = String::from_utf8(out).expect("utf-8");
            for word in ["balance", "deadlines", "as-of", "account"] {
                assert!(text.contains(word), "{shell:?}: no {word}");
            }
        }
    }
}
