//! `bonded user add|list`, `bonded pending`, `bonded approve`, `bonded reject`: users of
//! `bonded serve` and dual review from the command line. The command line acts on the store as
//! its administrator (`--actor` is recorded on the envelope); who approves or rejects is the
//! reviewer whose `--token` it is, and the core checks it is a reviewer and not the submitter.

use std::path::Path;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use ledger_core::events::commands::Command;
use ledger_core::model::ids::BookNo;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::review::Role;
use ledger_core::state::reviews::{pending_items, Pending};

use crate::cli::{ApproveArgs, Format, PendingArgs, RejectArgs, UserAddArgs, UserGrantArgs};
use crate::exit::bad_input;
use crate::serve::auth::{new_token, token_sha256};
use crate::session;

pub fn user_add(dir: &Path, actor: &str, args: &UserAddArgs, format: Format) -> Result<()> {
    let role: Role = args
        .role
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--role: {e}")))?;
    let name = args.name.trim().to_string();
    let books = args.books.as_deref().map(parse_books).transpose()?;
    let token = new_token()?;
    let mut s = session::open(dir, actor)?;
    s.execute(Command::AddUser {
        name: name.clone(),
        role,
        token_sha256: token_sha256(&token),
        books: books.clone(),
    })?;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({"name": name, "role": role.name(), "books": books_json(books.as_deref()), "token": token})
        ),
        _ => {
            println!(
                "added user {name} with the role {role}, granted {}.",
                books_text(books.as_deref())
            );
            println!("Their bearer token, shown only now (the store keeps only its SHA-256):");
            println!("{token}");
        }
    }
    Ok(())
}

/// `--books E…,E…`: book numbers, comma-separated, at least one.
fn parse_books(text: &str) -> Result<Vec<BookNo>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let b: BookNo = part
            .parse()
            .map_err(|e: InvalidValue| bad_input(format!("--books: {part:?}: {e}")))?;
        out.push(b);
    }
    if out.is_empty() {
        return Err(bad_input(
            "--books names at least one book (E…,E…); for every book of the store, leave it out              (or `bonded user grant --all`)",
        ));
    }
    Ok(out)
}

fn books_text(books: Option<&[BookNo]>) -> String {
    match books {
        None => "every book".to_string(),
        Some(b) => format!(
            "book{} {}",
            if b.len() == 1 { "" } else { "s" },
            b.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn books_json(books: Option<&[BookNo]>) -> serde_json::Value {
    match books {
        None => serde_json::Value::Null,
        Some(b) => b.iter().map(|b| serde_json::json!(b.to_string())).collect(),
    }
}

/// `bonded user grant --name N --books E…,E… | --all`.
pub fn user_grant(dir: &Path, actor: &str, args: &UserGrantArgs) -> Result<()> {
    let books = match (&args.books, args.all) {
        (_, true) => None,
        (Some(text), false) => Some(parse_books(text)?),
        (None, false) => return Err(bad_input("give --books E…,E… or --all")),
    };
    let name = args.name.trim().to_string();
    let mut s = session::open(dir, actor)?;
    s.execute(Command::SetUserBooks {
        name: name.clone(),
        books: books.clone(),
    })?;
    println!("user {name} is granted {}.", books_text(books.as_deref()));
    Ok(())
}

pub fn user_list(dir: &Path, actor: &str, format: Format) -> Result<()> {
    let s = session::open_reading(dir, actor, session::reads::base())?;
    match format {
        Format::Json => {
            let users: Vec<_> = s
                .ledger
                .users
                .iter()
                .map(|u| serde_json::json!({"name": u.name, "role": u.role.name(), "books": books_json(u.books.as_deref())}))
                .collect();
            println!("{}", serde_json::json!({ "users": users }));
        }
        Format::Csv => {
            println!("name,role,books");
            for u in s.ledger.users.iter() {
                let books = match &u.books {
                    None => String::new(),
                    Some(b) => b
                        .iter()
                        .map(|b| b.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                };
                println!(
                    "{},{},{}",
                    crate::output::csv_cell(&u.name),
                    u.role,
                    crate::output::csv_cell(&books)
                );
            }
        }
        _ => {
            if s.ledger.users.is_empty() {
                println!("no users yet: add one with `bonded user add --name N --role admin`");
                return Ok(());
            }
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED);
            t.set_header(vec!["name", "role", "books"]);
            for u in s.ledger.users.iter() {
                t.add_row(vec![
                    u.name.clone(),
                    u.role.to_string(),
                    books_text(u.books.as_deref()),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(())
}

/// A pending item as JSON: what the server's `/pending` shows too.
pub fn pending_json(p: &Pending) -> serde_json::Value {
    serde_json::json!({
        "id": p.id.to_string(),
        "account": p.account.to_string(),
        "submitted_by": p.submitted_by,
        "class": p.item.class().map(|c| c.name()),
        "what": p.item.describe(),
        "item": p.item,
    })
}

pub fn pending(dir: &Path, actor: &str, args: &PendingArgs, format: Format) -> Result<()> {
    let account: Option<BookNo> = match &args.account {
        Some(a) => Some(
            a.parse()
                .map_err(|e: InvalidValue| bad_input(format!("--account: {e}")))?,
        ),
        None => None,
    };
    let s = session::open_reading(dir, actor, session::reads::base())?;
    if let Some(a) = &account {
        if s.ledger.book(a).is_none() {
            return Err(bad_input(format!(
                "book {a} is not open in this store (open it with `bonded account open`)"
            )));
        }
    }
    let items = pending_items(&s.ledger, account.as_ref());
    match format {
        Format::Json => {
            let list: Vec<_> = items.iter().map(|p| pending_json(p)).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "pending": list }))
                    .unwrap_or_default()
            );
        }
        Format::Csv => {
            println!("id,account,submitted_by,class,what");
            for p in items {
                println!(
                    "{},{},{},{},{}",
                    p.id,
                    p.account,
                    crate::output::csv_cell(&p.submitted_by),
                    p.item.class().map(|c| c.name()).unwrap_or_default(),
                    crate::output::csv_cell(&p.item.describe())
                );
            }
        }
        _ => {
            if items.is_empty() {
                println!("nothing waits for review");
                return Ok(());
            }
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED);
            t.set_header(vec!["id", "book", "submitted by", "class", "what"]);
            for p in items {
                t.add_row(vec![
                    p.id.to_string(),
                    p.account.to_string(),
                    p.submitted_by.clone(),
                    p.item
                        .class()
                        .map(|c| c.name().to_string())
                        .unwrap_or_default(),
                    p.item.describe(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(())
}

fn review_id(text: &str) -> Result<uuid::Uuid> {
    text.trim().parse().map_err(|_| {
        bad_input(format!(
            "{text:?} is not a review id (see `bonded pending`)"
        ))
    })
}

/// The reviewer a command-line approval or rejection is made by: the user whose token it
/// gives. Whoever runs the command line acts on the store as its administrator, but approves
/// only as a reviewer who proves it with that reviewer's own token — never in another user's
/// name on the word of `--as`.
fn reviewer(s: &session::Session, token: Option<&str>, as_user: Option<&str>) -> Result<String> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            bad_input(
                "approving or rejecting needs the reviewer's own token: --token TOKEN (or \
             BONDED_TOKEN), as `bonded user add` printed it; the command line does not act in \
             another user's name",
            )
        })?;
    let user = s
        .ledger
        .users
        .by_token_sha256(&crate::serve::auth::token_sha256(token))
        .ok_or_else(|| bad_input("no user of this store has that token"))?;
    if let Some(name) = as_user.map(str::trim) {
        if !name.eq_ignore_ascii_case(&user.name) {
            return Err(bad_input(format!(
                "--as {name} does not match the token, which is {}'s",
                user.name
            )));
        }
    }
    Ok(user.name.clone())
}

pub fn approve(dir: &Path, actor: &str, args: &ApproveArgs) -> Result<()> {
    let id = review_id(&args.id)?;
    let mut s = session::open(dir, actor)?;
    let by = reviewer(&s, args.token.as_deref(), args.as_user.as_deref())?;
    let what = s
        .ledger
        .books
        .values()
        .find_map(|b| b.review.pending.get(&id))
        .map(|p| p.item.describe());
    let outcome = s.execute(Command::ApproveReview { id, by: by.clone() })?;
    match (outcome.appended, what) {
        (0, _) | (_, None) => {
            println!("review {id} was already approved by {by}; nothing recorded")
        }
        (n, Some(what)) => println!("approved review {id} ({what}) as {by}: {n} events recorded"),
    }
    Ok(())
}

pub fn reject(dir: &Path, actor: &str, args: &RejectArgs) -> Result<()> {
    let id = review_id(&args.id)?;
    let mut s = session::open(dir, actor)?;
    let by = reviewer(&s, args.token.as_deref(), args.as_user.as_deref())?;
    let outcome = s.execute(Command::RejectReview {
        id,
        by: by.clone(),
        reason: args.reason.clone(),
    })?;
    if outcome.appended == 0 {
        println!("review {id} was already rejected by {by} for that reason; nothing recorded");
    } else {
        println!("rejected review {id} as {by}");
    }
    Ok(())
}
