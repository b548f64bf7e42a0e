//! Users and reviews as the state knows them: the users by name and token hash, and per book
//! the items waiting for review, the `ref`+`line`s they reserve, and those closed.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use uuid::Uuid;

use crate::events::commands::LineKey;
use crate::events::review::{Reviewable, UserAdded, UserBooksSet};
use crate::events::Event;
use crate::model::ids::BookNo;
use crate::model::review::Role;
use crate::state::ledger::Ledger;

/// A user as the state knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// Lower-case hex SHA-256 of the bearer token.
    #[serde(skip)]
    pub token_sha256: String,
    /// The books the user may see and write, sorted; `None`: every book of the store.
    pub books: Option<Vec<BookNo>>,
}

impl User {
    /// Whether the user may see (and, by role, write) book `account`.
    pub fn may_see(&self, account: &BookNo) -> bool {
        match &self.books {
            None => true,
            Some(books) => books.binary_search(account).is_ok(),
        }
    }
}

/// A user name as people read it: Unicode NFKC (full-width `ｒ` is `r`, ligatures are their
/// letters), then case folded (lower case), then NFKC again (lower-casing can un-normalise).
/// Two names with the same folded form are one person's name to a reader of the audit trail, so
/// the store keeps one user per folded name and submitter ≠ approver compares folded names.
pub fn folded_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lower: String = name.nfkc().collect::<String>().to_lowercase();
    lower.nfkc().collect()
}

/// The users of the store, by name and by token hash.
#[derive(Debug, Clone, Default)]
pub struct Users {
    by_name: BTreeMap<String, User>,
    by_token: HashMap<String, String>,
    /// Folded name → the name the user was added with.
    by_folded: HashMap<String, String>,
}

impl Users {
    pub fn get(&self, name: &str) -> Option<&User> {
        self.by_name.get(name)
    }

    /// The user whose name reads the same as `name` (`folded_name`), if any.
    pub fn get_folded(&self, name: &str) -> Option<&User> {
        self.by_folded
            .get(&folded_name(name))
            .and_then(|n| self.by_name.get(n))
    }

    /// The user whose token hashes to `sha256_hex` (lower-case hex).
    pub fn by_token_sha256(&self, sha256_hex: &str) -> Option<&User> {
        self.by_token
            .get(sha256_hex)
            .and_then(|name| self.by_name.get(name))
    }

    /// Every user, by name.
    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.by_name.values()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub(crate) fn add(&mut self, e: &UserAdded) {
        self.by_token.insert(e.token_sha256.clone(), e.name.clone());
        self.by_folded
            .entry(folded_name(&e.name))
            .or_insert_with(|| e.name.clone());
        self.by_name.insert(
            e.name.clone(),
            User {
                name: e.name.clone(),
                role: e.role,
                token_sha256: e.token_sha256.clone(),
                books: e.books.clone().map(sorted),
            },
        );
    }

    pub(crate) fn set_books(&mut self, e: &UserBooksSet) {
        if let Some(user) = self.by_name.get_mut(&e.name) {
            user.books = e.books.clone().map(sorted);
        }
    }
}

fn sorted(mut books: Vec<BookNo>) -> Vec<BookNo> {
    books.sort();
    books.dedup();
    books
}

/// An item waiting for review.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Pending {
    pub id: Uuid,
    pub account: BookNo,
    pub submitted_by: String,
    pub item: Reviewable,
    /// 1, 2, 3 … in the order the book's items were submitted.
    pub order: u64,
}

/// How a review ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Closed {
    Approved { by: String },
    Rejected { by: String, reason: String },
}

/// A book's reviews: the items waiting, the `ref`+`line`s they reserve, those closed.
#[derive(Debug, Clone, Default)]
pub struct BookReviews {
    pub pending: BTreeMap<Uuid, Pending>,
    reserved: HashMap<LineKey, Uuid>,
    pub closed: HashMap<Uuid, Closed>,
    submitted: u64,
}

impl BookReviews {
    /// The pending item that reserves `ref`+`line`, if any.
    pub fn reserving(&self, key: &LineKey) -> Option<&Pending> {
        self.reserved.get(key).and_then(|id| self.pending.get(id))
    }

    /// The items waiting, in the order they were submitted.
    pub fn waiting(&self) -> Vec<&Pending> {
        let mut out: Vec<&Pending> = self.pending.values().collect();
        out.sort_by_key(|p| p.order);
        out
    }

    pub(crate) fn evolve(&mut self, event: &Event) {
        match event {
            Event::ReviewSubmitted(e) => {
                self.submitted += 1;
                if let Some(key) = e.item.line_key() {
                    self.reserved.insert(key, e.id);
                }
                self.pending.insert(
                    e.id,
                    Pending {
                        id: e.id,
                        account: e.account.clone(),
                        submitted_by: e.submitted_by.clone(),
                        item: e.item.clone(),
                        order: self.submitted,
                    },
                );
            }
            Event::ReviewApproved(e) => {
                self.close(e.id);
                self.closed.insert(
                    e.id,
                    Closed::Approved {
                        by: e.approved_by.clone(),
                    },
                );
            }
            Event::ReviewRejected(e) => {
                self.close(e.id);
                self.closed.insert(
                    e.id,
                    Closed::Rejected {
                        by: e.rejected_by.clone(),
                        reason: e.reason.clone(),
                    },
                );
            }
            _ => {}
        }
    }

    fn close(&mut self, id: Uuid) {
        if let Some(p) = self.pending.remove(&id) {
            if let Some(key) = p.item.line_key() {
                if self.reserved.get(&key) == Some(&id) {
                    self.reserved.remove(&key);
                }
            }
        }
    }
}

/// Every item waiting for review, of one book or of all, in the order submitted per book.
pub fn pending_items<'a>(state: &'a Ledger, account: Option<&BookNo>) -> Vec<&'a Pending> {
    state
        .books
        .iter()
        .filter(|(a, _)| match account {
            None => true,
            Some(x) => x == *a,
        })
        .flat_map(|(_, b)| b.review.waiting())
        .collect()
}

#[path = "reviews_snapshot.rs"]
mod snapshot_codec;
