//! A book's verification lists as customs sees them, and where the book and customs disagree.
//!
//! `list_report`: each list (`ref`) with its direction, trade mode, lines the book counts,
//! its stage (recorded → exported → … → deducted) and the numbers customs assigned.
//!
//! `reconcile`: every difference between the book and what customs' receipts say, as of a
//! date. An empty list of differences means they agree. The kinds:
//!
//! | kind | when |
//! |---|---|
//! | `not_sent` | a list recorded more than `send_days` days ago, not yet declared to customs (from the first list the book exchanged through the ledger on) |
//! | `returned_but_counted` | customs returned or deleted a list whose lines the book still counts |
//! | `not_booked` | customs approved a list more than `book_days` days ago and has not booked it |
//! | `item_mismatch` | customs booked a line against another item than the book's movement |
//! | `quantity_mismatch` | … another quantity |
//! | `mode_mismatch` | customs holds the list under another trade mode or direction |
//! | `unknown_list` | customs booked a list the book does not hold |
//! | `opening_mismatch` | INV211's cycle opening of an item differs from the book's opening |

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::events::commands::MovementLine;
use crate::messages::lifecycle::ListStage;
use crate::model::ids::{BookNo, ItemNo};
use crate::model::refusal::Refusal;
use crate::model::trade_mode::{Direction, TradeMode};
use crate::state::ledger::{Book, Ledger};

/// One list of `bonded lists`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRow {
    #[serde(rename = "ref")]
    pub ref_: String,
    pub dir: Direction,
    pub mode: TradeMode,
    #[serde(with = "crate::model::json_num")]
    pub lines: u32,
    pub status: ListStage,
    pub seq_no: Option<String>,
    pub bond_invt_no: Option<String>,
    pub entry_no: Option<String>,
    pub updated: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListReport {
    pub account: BookNo,
    pub lists: Vec<ListRow>,
}

fn book<'a>(state: &'a Ledger, account: &BookNo) -> Result<&'a Book, Refusal> {
    state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))
}

/// The book's lists, by `ref`; only those at `status` when it is given.
pub fn list_report(
    state: &Ledger,
    account: &BookNo,
    status: Option<ListStage>,
) -> Result<ListReport, Refusal> {
    let b = book(state, account)?;
    let lists = b
        .lists
        .all()
        .into_iter()
        .filter(|l| match status {
            None => true,
            Some(s) => l.stage == s,
        })
        .map(|l| ListRow {
            ref_: l.ref_.to_string(),
            dir: l.dir,
            mode: l.mode,
            lines: l.lines,
            status: l.stage,
            seq_no: l.customs().seq_no.clone(),
            bond_invt_no: l.customs().bond_invt_no.clone(),
            entry_no: l.customs().entry_no.clone(),
            updated: l.updated,
        })
        .collect();
    Ok(ListReport {
        account: account.clone(),
        lists,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    NotSent,
    ReturnedButCounted,
    NotBooked,
    ItemMismatch,
    QuantityMismatch,
    ModeMismatch,
    UnknownList,
    OpeningMismatch,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferenceKind::NotSent => "not_sent",
            DifferenceKind::ReturnedButCounted => "returned_but_counted",
            DifferenceKind::NotBooked => "not_booked",
            DifferenceKind::ItemMismatch => "item_mismatch",
            DifferenceKind::QuantityMismatch => "quantity_mismatch",
            DifferenceKind::ModeMismatch => "mode_mismatch",
            DifferenceKind::UnknownList => "unknown_list",
            DifferenceKind::OpeningMismatch => "opening_mismatch",
        }
    }
}

/// One place where the book and customs disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    #[serde(serialize_with = "line_as_text")]
    pub line: Option<u32>,
    pub item: Option<ItemNo>,
    /// What the book says, and what customs says.
    pub book: Option<String>,
    pub customs: Option<String>,
    /// In a clerk's words: what is wrong and what to do.
    pub note: String,
}

/// "1 line counted", "3 lines counted".
fn lines_counted(n: u32) -> String {
    if n == 1 {
        "1 line counted".into()
    } else {
        format!("{n} lines counted")
    }
}

/// A line number as the contract writes numbers in JSON: a decimal string.
fn line_as_text<S: serde::Serializer>(line: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match line {
        Some(n) => s.collect_str(n),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub account: BookNo,
    pub as_of: NaiveDate,
    pub differences: Vec<Difference>,
}

/// Where the book and customs disagree as of `as_of`. `movements` holds the lines the book
/// counts under each `ref` for which customs sent lines (the caller reads them from the log:
/// the book keeps most lines compactly, without their quantities).
pub fn reconcile(
    state: &Ledger,
    account: &BookNo,
    as_of: NaiveDate,
    movements: &BTreeMap<String, Vec<MovementLine>>,
) -> Result<Reconciliation, Refusal> {
    let b = book(state, account)?;
    let s = &b.settings.messages;
    let mut out = Vec::new();
    let diff = |kind, ref_: &str, note: String| Difference {
        kind,
        ref_: Some(ref_.to_string()),
        line: None,
        item: None,
        book: None,
        customs: None,
        note,
    };
    for l in b.lists.all() {
        if l.date > as_of {
            continue;
        }
        let declared = l.customs().declared_on.is_some()
            || (l.stage.rank() >= ListStage::Declared.rank() && l.stage != ListStage::Failed);
        let days = (as_of - l.date).num_days();
        if l.lines > 0 && !declared && days > i64::from(s.send_days) && b.lists.tracked(&l) {
            out.push(Difference {
                book: Some(l.stage.to_string()),
                ..diff(
                    DifferenceKind::NotSent,
                    l.ref_,
                    format!(
                        "recorded {} ({days} days ago) and not yet declared to customs (the book allows {} days): export it with `bonded lists export` and declare it",
                        l.date, s.send_days
                    ),
                )
            });
        }
        if l.lines > 0 && matches!(l.stage, ListStage::Returned | ListStage::Deleted) {
            let reasons = if l.customs().notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", l.customs().notes.join("; "))
            };
            out.push(Difference {
                book: Some(lines_counted(l.lines)),
                customs: Some(l.stage.to_string()),
                ..diff(
                    DifferenceKind::ReturnedButCounted,
                    l.ref_,
                    format!(
                        "customs {} the list{reasons}, but the book still counts {}: correct them (corrections file) and declare the list again",
                        if l.stage == ListStage::Returned { "returned" } else { "deleted" },
                        if l.lines == 1 { "its line".to_string() } else { format!("its {} lines", l.lines) }
                    ),
                )
            });
        }
        if let Some(approved) = l.customs().approved_on {
            let waited = (as_of - approved).num_days();
            if matches!(l.stage, ListStage::Approved | ListStage::PreDeducted)
                && waited > i64::from(s.book_days)
            {
                out.push(Difference {
                    customs: Some(l.stage.to_string()),
                    ..diff(
                        DifferenceKind::NotBooked,
                        l.ref_,
                        format!(
                            "approved on {approved} ({waited} days ago) and not booked against the book yet (the book allows {} days): ask the customs office",
                            s.book_days
                        ),
                    )
                });
            }
        }
        let mode_differs = l
            .customs()
            .mode
            .as_deref()
            .is_some_and(|m| m != l.mode.code());
        let dir_differs = l
            .customs()
            .dir
            .as_deref()
            .is_some_and(|d| d != l.dir.to_string());
        if mode_differs || dir_differs {
            out.push(Difference {
                book: Some(format!("{} {}", l.mode.code(), l.dir)),
                customs: Some(format!(
                    "{} {}",
                    l.customs().mode.as_deref().unwrap_or(l.mode.code()),
                    l.customs().dir.clone().unwrap_or_else(|| l.dir.to_string())
                )),
                ..diff(
                    DifferenceKind::ModeMismatch,
                    l.ref_,
                    "customs holds the list under another trade mode or direction".into(),
                )
            });
        }
        let ours = movements.get(l.ref_);
        for c in &l.customs().lines {
            let Some(n) = c.line else { continue };
            let mine = ours.and_then(|m| m.iter().find(|x| x.line == n));
            let Some(mine) = mine else {
                if ours.is_some() {
                    out.push(Difference {
                        line: Some(n),
                        customs: c.qty.map(|q| q.normalize().to_string()),
                        ..diff(
                            DifferenceKind::QuantityMismatch,
                            l.ref_,
                            format!("customs holds line {n}, which the book does not count"),
                        )
                    });
                }
                continue;
            };
            let item = mine.item.or_else(|| {
                mine.part
                    .as_ref()
                    .and_then(|p| b.parts.get(p))
                    .map(|(_, i)| *i)
            });
            if let (Some(theirs), Some(item)) = (c.item, item) {
                if theirs != item.0 {
                    out.push(Difference {
                        line: Some(n),
                        item: Some(item),
                        book: Some(item.0.to_string()),
                        customs: Some(theirs.to_string()),
                        ..diff(
                            DifferenceKind::ItemMismatch,
                            l.ref_,
                            format!("customs booked line {n} against item {theirs}, the book against item {}", item.0),
                        )
                    });
                }
            }
            if let Some(q) = c.qty {
                if q != mine.qty {
                    out.push(Difference {
                        line: Some(n),
                        item,
                        book: Some(mine.qty.normalize().to_string()),
                        customs: Some(q.normalize().to_string()),
                        ..diff(
                            DifferenceKind::QuantityMismatch,
                            l.ref_,
                            format!("customs booked line {n} with another quantity"),
                        )
                    });
                }
            }
        }
    }
    for u in b.lists.unknown.values() {
        if u.updated.is_some_and(|d| d > as_of) {
            continue;
        }
        out.push(Difference {
            kind: DifferenceKind::UnknownList,
            ref_: u.ref_.clone(),
            line: None,
            item: None,
            book: None,
            customs: Some(
                [
                    u.bond_invt_no.clone(),
                    u.seq_no.clone(),
                    u.stage.map(|s| s.to_string()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            ),
            note:
                "customs holds a list this book does not: record its lines, or ask customs about it"
                    .into(),
        });
    }
    if !b.lists.customs_openings.is_empty() {
        let cycle = b.cycle_containing(as_of);
        let identity = crate::reports::cycle::identity(state, b, cycle.start, cycle.start)?;
        let ours: BTreeMap<ItemNo, Decimal> = identity
            .materials
            .iter()
            .map(|m| (m.item, m.opening))
            .collect();
        for (item, (theirs, day)) in &b.lists.customs_openings {
            if day.is_some_and(|d| d < cycle.start || d > as_of) {
                continue; // a booking of another cycle
            }
            let mine = ours.get(item).copied().unwrap_or(Decimal::ZERO);
            if mine != *theirs {
                out.push(Difference {
                    kind: DifferenceKind::OpeningMismatch,
                    ref_: None,
                    line: None,
                    item: Some(*item),
                    book: Some(mine.normalize().to_string()),
                    customs: Some(theirs.normalize().to_string()),
                    note: format!(
                        "customs opens cycle {} of item {} with another quantity than the book",
                        cycle.number, item.0
                    ),
                });
            }
        }
    }
    out.sort_by(|a, b| (a.kind, &a.ref_, a.line, a.item).cmp(&(b.kind, &b.ref_, b.line, b.item)));
    Ok(Reconciliation {
        account: account.clone(),
        as_of,
        differences: out,
    })
}

#[cfg(test)]
#[path = "lists_tests.rs"]
mod tests;
