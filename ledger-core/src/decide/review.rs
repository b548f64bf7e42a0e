//! Who may do what, and dual review: no single person both records and approves a high-risk
//! movement (DOMAIN.md §7, seed `000`).
//!
//! Users and reviews are events like every other fact, so they are audited and replayed:
//!
//! - `user_added` (stream `users`): a user of `bonded serve`, its role and the SHA-256 of its
//!   bearer token. The core never sees a token.
//! - `review_submitted` (the book's stream): an item that takes effect only when approved —
//!   a domestic sale, a destruction, a scrap sale, a correction, a stocktake or a change of
//!   unit consumption (which ones: the book's `review` setting). A submitted movement reserves
//!   its `ref`+`line` until it is approved or rejected.
//! - `review_approved`, followed by the events the item gives when it is decided against the
//!   book as it stands at the approval (a balance may have fallen since the submission: then
//!   the approval is refused and the item stays pending), or `review_rejected`.
//!
//! **Invariant:** a reviewable item takes effect only when a second, different user with the
//! reviewer role approves it.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::decide::{decide, decide_unreserved, positional_id, Decided, LineRefusals};
use crate::events::commands::{Command, MovementLine};
use crate::events::review::*;
use crate::events::Event;
use crate::model::ids::{BookNo, ItemNo};
use crate::model::refusal::Refusal;
use crate::model::review::{ReviewClass, Role};
use crate::state::ledger::{Book, Ledger};
use crate::state::reviews::{Closed, Pending};

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

fn book<'a>(state: &'a Ledger, account: &BookNo) -> Result<&'a Book, Refusal> {
    state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))
}

fn next_positional(state: &Ledger, stream: &str) -> Uuid {
    positional_id(stream, state.stream_version(stream) + 1)
}

/// The id of the approval or rejection of review `id`: derived from it, so a review closes once.
fn closing_id(what: &str, id: Uuid) -> Uuid {
    let name = format!("{what}\u{1f}{id}");
    Uuid::new_v5(&crate::decide::ID_NAMESPACE, name.as_bytes())
}

fn check_user_name(name: &str) -> Result<(), Refusal> {
    let n = name.chars().count();
    let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if n == 0 || n > MAX_USER_NAME_CHARS || !name.chars().all(ok_char) {
        return Err(Refusal::bad(
            "name",
            format!(
                "{name:?} is not a user name: 1 to {MAX_USER_NAME_CHARS} letters, digits, \
                 '.', '_', '-' or '@', no spaces"
            ),
        ));
    }
    Ok(())
}

/// The books of a grant, checked: at least one, each open in the store, each once; sorted.
fn check_grant(state: &Ledger, books: Option<&[BookNo]>) -> Result<Option<Vec<BookNo>>, Refusal> {
    let Some(books) = books else {
        return Ok(None);
    };
    if books.is_empty() {
        return Err(Refusal::bad(
            "books",
            "a grant names at least one book (E…,E…); to grant every book of the store, give none",
        ));
    }
    let mut out: Vec<BookNo> = Vec::with_capacity(books.len());
    for b in books {
        if state.book(b).is_none() {
            return Err(Refusal::BadValue {
                column: "books",
                message: format!(
                    "book {b} is not open in this store, so it cannot be granted (open it first \
                     with `bonded account open`, or check the number)"
                ),
            });
        }
        if !out.contains(b) {
            out.push(b.clone());
        }
    }
    out.sort();
    Ok(Some(out))
}

pub(crate) fn add_user(
    state: &Ledger,
    name: &str,
    role: Role,
    token_sha256: &str,
    books: Option<&[BookNo]>,
) -> Result<Vec<Decided>, Refusal> {
    check_user_name(name)?;
    let books = check_grant(state, books)?;
    let well_formed = token_sha256.len() == 64
        && token_sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return Err(Refusal::bad(
            "token",
            "the token's SHA-256 is 64 lower-case hex digits",
        ));
    }
    if let Some(existing) = state.users.get(name) {
        if existing.role == role
            && existing.token_sha256 == token_sha256
            && existing.books.as_ref() == books.as_ref()
        {
            return Ok(vec![]);
        }
        return Err(Refusal::Conflict {
            column: "name",
            what: format!(
                "user {name} already exists (role {}); a name stays with its user for the audit \
                 trail — choose another name",
                existing.role
            ),
        });
    }
    if let Some(existing) = state.users.get_folded(name) {
        return Err(Refusal::Conflict {
            column: "name",
            what: format!(
                "user {name} reads the same as existing user {} (names are compared without \
                 case and with full-width letters as ordinary ones); two users must be told \
                 apart in the audit trail — choose another name",
                existing.name
            ),
        });
    }
    if state.users.by_token_sha256(token_sha256).is_some() {
        return Err(Refusal::Conflict {
            column: "token",
            what: "this token is already another user's; issue a new one".into(),
        });
    }
    let event = Event::UserAdded(UserAdded {
        name: name.to_string(),
        role,
        token_sha256: token_sha256.to_string(),
        books,
    });
    Ok(vec![Decided {
        id: next_positional(state, USERS_STREAM),
        event,
    }])
}

/// A user's books granted anew: exactly `books` from now on, or every book (`None`). The same
/// grant again is a no-op.
pub(crate) fn set_user_books(
    state: &Ledger,
    name: &str,
    books: Option<&[BookNo]>,
) -> Result<Vec<Decided>, Refusal> {
    let user = state
        .users
        .get(name)
        .ok_or_else(|| Refusal::UnknownUser(name.to_string()))?;
    let books = check_grant(state, books)?;
    if user.books == books {
        return Ok(vec![]);
    }
    Ok(vec![Decided {
        id: next_positional(state, USERS_STREAM),
        event: Event::UserBooksSet(UserBooksSet {
            name: user.name.clone(),
            books,
        }),
    }])
}

/// Refuses a movement whose `ref`+`line` an item under review holds.
pub(crate) fn check_not_reserved(state: &Ledger, line: &MovementLine) -> Result<(), Refusal> {
    let Some(b) = state.book(&line.account) else {
        return Ok(());
    };
    let key = (line.ref_.clone(), line.line);
    match b.review.reserving(&key) {
        None => Ok(()),
        Some(p) => Err(Refusal::RuleBroken {
            column: "ref",
            what: format!(
                "{}/{} is waiting for review (review {}, submitted by {}); a reviewer approves or \
                 rejects it before the line can be recorded",
                line.ref_, line.line, p.id, p.submitted_by
            ),
        }),
    }
}

pub(crate) fn submit(
    state: &Ledger,
    submitted_by: &str,
    item: &Reviewable,
) -> Result<Vec<Decided>, Refusal> {
    let account = item.account();
    let b = book(state, account)?;
    if state.users.get(submitted_by).is_none() {
        return Err(Refusal::UnknownUser(submitted_by.to_string()));
    }
    // The same item again is a retry: nothing to do.
    if b.review.pending.values().any(|p| &p.item == item) {
        return Ok(vec![]);
    }
    if let Some(key) = item.line_key() {
        if let Some(p) = b.review.reserving(&key) {
            return Err(Refusal::Conflict {
                column: "ref",
                what: format!(
                    "{}/{} is already waiting for review in book {account} with other content \
                     (review {}, submitted by {}); a reviewer rejects it before it is submitted \
                     again",
                    key.0, key.1, p.id, p.submitted_by
                ),
            });
        }
    }
    // What could never be approved is refused now: the item must be accepted by the book as it
    // stands. Its events are not recorded; they are decided again at the approval.
    let events = decide_unreserved(state, &item.command())?;
    if events.is_empty() {
        // Already in the book as given (a repeat of a line recorded or approved before).
        return Ok(vec![]);
    }
    let id = next_positional(state, account.as_str());
    Ok(vec![Decided {
        id,
        event: Event::ReviewSubmitted(ReviewSubmitted {
            id,
            account: account.clone(),
            submitted_by: submitted_by.to_string(),
            item: item.clone(),
        }),
    }])
}

/// The book and pending item of review `id`; a closed review is `Err(Ok(closed))`.
#[allow(clippy::type_complexity)]
fn find_review(
    state: &Ledger,
    id: Uuid,
) -> Result<(&Book, &Pending), Result<(&Book, &Closed), Refusal>> {
    for b in state.books.values() {
        if let Some(p) = b.review.pending.get(&id) {
            return Ok((b, p));
        }
        if let Some(c) = b.review.closed.get(&id) {
            return Err(Ok((b, c)));
        }
    }
    Err(Err(Refusal::UnknownReview(id)))
}

fn require_reviewer(state: &Ledger, by: &str, action: &str) -> Result<(), Refusal> {
    let user = state
        .users
        .get(by)
        .ok_or_else(|| Refusal::UnknownUser(by.to_string()))?;
    if user.role != Role::Reviewer {
        return Err(Refusal::NotPermitted {
            what: format!(
                "user {by} is {} {}; only a user with the reviewer role {action}",
                if matches!(user.role, Role::Admin | Role::Auditor) {
                    "an"
                } else {
                    "a"
                },
                user.role
            ),
        });
    }
    Ok(())
}

fn closed_text(c: &Closed) -> String {
    match c {
        Closed::Approved { by } => format!("approved by {by}"),
        Closed::Rejected { by, reason } => format!("rejected by {by} ({reason})"),
    }
}

pub(crate) fn approve(state: &Ledger, id: Uuid, by: &str) -> Result<Vec<Decided>, Refusal> {
    let (b, p) = match find_review(state, id) {
        Ok(found) => found,
        Err(Ok((_, Closed::Approved { by: who }))) if who == by => return Ok(vec![]),
        Err(Ok((_, closed))) => {
            return Err(Refusal::Conflict {
                column: "id",
                what: format!("review {id} was already {}", closed_text(closed)),
            })
        }
        Err(Err(r)) => return Err(r),
    };
    require_reviewer(state, by, "approves")?;
    if crate::state::reviews::folded_name(&p.submitted_by) == crate::state::reviews::folded_name(by)
    {
        return Err(Refusal::NotPermitted {
            what: format!(
                "nobody approves their own: {by} submitted review {id} ({}); another reviewer \
                 approves it",
                p.item.describe()
            ),
        });
    }
    let account = b.header.account.clone();
    let mut events = vec![Decided {
        id: closing_id("review-approved", id),
        event: Event::ReviewApproved(ReviewApproved {
            id,
            account: account.clone(),
            approved_by: by.to_string(),
        }),
    }];
    // Decided against the book as it stands now, not as it stood at the submission.
    let underlying =
        decide_unreserved(state, &p.item.command()).map_err(|r| Refusal::ApprovalRefused {
            id,
            reason: Box::new(r),
        })?;
    let declares_uc = matches!(p.item, Reviewable::UnitConsumption(_)) && !underlying.is_empty();
    events.extend(underlying);
    if declares_uc {
        // Finished-goods lines waiting for this unit consumption take it now, as a bom file's
        // do (`uc_timing=before_report`).
        let mut scratch = state.clone();
        for d in &events {
            scratch.evolve(d.id, &d.event);
        }
        let more =
            decide(&scratch, &Command::ApplyPendingConsumption { account }).map_err(|r| {
                Refusal::ApprovalRefused {
                    id,
                    reason: Box::new(r),
                }
            })?;
        events.extend(more);
    }
    Ok(events)
}

pub(crate) fn reject(
    state: &Ledger,
    id: Uuid,
    by: &str,
    reason: &str,
) -> Result<Vec<Decided>, Refusal> {
    let reason = reason.trim();
    let (b, _) = match find_review(state, id) {
        Ok(found) => found,
        Err(Ok((
            _,
            Closed::Rejected {
                by: who,
                reason: why,
            },
        ))) if who == by && why == reason => return Ok(vec![]),
        Err(Ok((_, closed))) => {
            return Err(Refusal::Conflict {
                column: "id",
                what: format!("review {id} was already {}", closed_text(closed)),
            })
        }
        Err(Err(r)) => return Err(r),
    };
    require_reviewer(state, by, "rejects")?;
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(Refusal::bad(
            "reason",
            format!("a rejection says why, in 1 to {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(vec![Decided {
        id: closing_id("review-rejected", id),
        event: Event::ReviewRejected(ReviewRejected {
            id,
            account: b.header.account.clone(),
            rejected_by: by.to_string(),
            reason: reason.to_string(),
        }),
    }])
}

// ---------------------------------------------------------------------------------------------
// A request of `bonded serve`
// ---------------------------------------------------------------------------------------------

/// A line of a request that entered as pending.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub line: u64,
    pub id: Uuid,
    pub class: Option<ReviewClass>,
    pub what: String,
}

/// What a request gave: the events to append, and which lines wait for review.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestOutcome {
    pub events: Vec<Decided>,
    pub submitted: Vec<Submitted>,
}

/// The review class a request's command falls in, when its book reviews that class.
/// `fresh`: the unit-consumption versions first declared earlier in the same request (their
/// further materials are part of the first declaration, not a change).
fn needs_review(
    state: &Ledger,
    command: &Command,
    fresh: &BTreeSet<(BookNo, ItemNo, u32)>,
) -> Option<ReviewClass> {
    let (account, class) = match command {
        Command::RecordMovement(l) => (
            &l.account,
            ReviewClass::of_movement(l.mode, l.dir, l.goods)?,
        ),
        Command::CorrectMovement(c) => (&c.account, ReviewClass::Corrections),
        Command::RecordStocktake(s) => (&s.account, ReviewClass::Stocktakes),
        Command::DeclareUnitConsumption(u) => {
            let b = state.book(&u.account)?;
            let declared = b.boms.contains_key(&(u.product, u.version));
            if !declared || fresh.contains(&(u.account.clone(), u.product, u.version)) {
                return None;
            }
            (&u.account, ReviewClass::UnitConsumption)
        }
        _ => return None,
    };
    let b = state.book(account)?;
    b.settings.review.contains(&class).then_some(class)
}

/// The book whose queue holds reference data waiting for review: the first (by number) that
/// reviews anything. `None` when no book of the store reviews: then reference data applies at
/// once (DOMAIN.md §8: "in a store that reviews, a reviewable one").
pub fn reviewing_book(state: &Ledger) -> Option<&BookNo> {
    state
        .books
        .iter()
        .find(|(_, b)| !b.settings.review.is_empty())
        .map(|(account, _)| account)
}

/// Decides a request of `bonded serve` made by user `by`, line by line in order, folding the
/// accepted events into `state` as it goes (each line sees the lines before it). An item the
/// book reviews enters as pending (`review_submitted`); everything else applies directly.
///
/// All or nothing: on `Err` (the refusals of every refused line) `state` holds part of the
/// request and must be thrown away. [`decide_request`] is the version that leaves the state
/// alone.
pub fn decide_request_in_place(
    state: &mut Ledger,
    by: &str,
    lines: Vec<(u64, Command)>,
) -> Result<RequestOutcome, LineRefusals> {
    let mut out = RequestOutcome::default();
    let mut refusals = Vec::new();
    let mut fresh = BTreeSet::new();
    for (line, command) in lines {
        // Reference data applies to every book: in a store that reviews, it waits.
        let reference = ReferenceChange::of(&command)
            .and_then(|change| Some((reviewing_book(state)?.clone(), change)));
        let decided = if let Some((account, change)) = reference {
            decide(
                state,
                &Command::SubmitForReview {
                    submitted_by: by.to_string(),
                    item: Reviewable::Reference { account, change },
                },
            )
        } else {
            match needs_review(state, &command, &fresh) {
                Some(_) => match Reviewable::from_command(command) {
                    Ok(item) => decide(
                        state,
                        &Command::SubmitForReview {
                            submitted_by: by.to_string(),
                            item,
                        },
                    ),
                    Err(command) => decide(state, &command),
                },
                None => {
                    if let Command::DeclareUnitConsumption(u) = &command {
                        let declared = state
                            .book(&u.account)
                            .is_some_and(|b| b.boms.contains_key(&(u.product, u.version)));
                        if !declared {
                            fresh.insert((u.account.clone(), u.product, u.version));
                        }
                    }
                    decide(state, &command)
                }
            }
        };
        match decided {
            Ok(decided) => {
                for d in &decided {
                    state.evolve(d.id, &d.event);
                    if let Event::ReviewSubmitted(s) = &d.event {
                        out.submitted.push(Submitted {
                            line,
                            id: s.id,
                            class: s.item.class(),
                            what: s.item.describe(),
                        });
                    }
                }
                out.events.extend(decided);
            }
            Err(r) => refusals.push((line, r)),
        }
    }
    if refusals.is_empty() {
        Ok(out)
    } else {
        Err(refusals)
    }
}

/// [`decide_request_in_place`] on a copy of `state`: the outcome and the state it leads to.
pub fn decide_request(
    state: &Ledger,
    by: &str,
    lines: Vec<(u64, Command)>,
) -> Result<(RequestOutcome, Ledger), LineRefusals> {
    let mut scratch = state.clone();
    let outcome = decide_request_in_place(&mut scratch, by, lines)?;
    Ok((outcome, scratch))
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
