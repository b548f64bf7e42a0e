//! The events and inputs of dual review: a user added, an item submitted for review (the
//! input to decide when it is approved), approved or rejected.
//!
//! `user_added` goes to the stream `users`; the review events to the book's stream.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::commands::{
    BomInput, Command, CorrectionInput, FxInput, InterestInput, LineKey, MovementLine,
    StocktakeInput, TariffInput,
};
use crate::model::book::Setting;
use crate::model::ids::BookNo;
use crate::model::review::{ReviewClass, Role};

/// The stream of `user_added` and `user_books_set` events.
pub const USERS_STREAM: &str = "users";

/// The longest user name, in characters.
pub const MAX_USER_NAME_CHARS: usize = 64;

/// The longest reason of a rejection, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// An input held for review: the command to decide when it is approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "input", rename_all = "snake_case")]
pub enum Reviewable {
    Movement(MovementLine),
    Correction(CorrectionInput),
    Stocktake(StocktakeInput),
    UnitConsumption(BomInput),
    /// A change of a book's settings that turns some of its review off: the change that would
    /// let the next risky movement through unreviewed is itself reviewed.
    Settings {
        account: BookNo,
        changes: Vec<Setting>,
    },
    /// Reference data (an exchange rate, a tariff line, an interest rate) loaded in a store
    /// where a book reviews: it changes every book's duty, so it waits for a reviewer like the
    /// movements it would change. Held in the queue of `account`, the first book (by number)
    /// that reviews (`reviewing_book`).
    Reference {
        account: BookNo,
        change: ReferenceChange,
    },
}

/// A change of reference data, as its file's row gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "input", rename_all = "snake_case")]
pub enum ReferenceChange {
    Fx(FxInput),
    Tariff(TariffInput),
    Interest(InterestInput),
}

impl ReferenceChange {
    /// The change a command makes, when it is one of reference data.
    pub fn of(command: &Command) -> Option<ReferenceChange> {
        match command {
            Command::SetFxRate(i) => Some(ReferenceChange::Fx(i.clone())),
            Command::SetTariff(i) => Some(ReferenceChange::Tariff(i.clone())),
            Command::SetInterestRate(i) => Some(ReferenceChange::Interest(i.clone())),
            _ => None,
        }
    }

    pub fn command(&self) -> Command {
        match self {
            ReferenceChange::Fx(i) => Command::SetFxRate(i.clone()),
            ReferenceChange::Tariff(i) => Command::SetTariff(i.clone()),
            ReferenceChange::Interest(i) => Command::SetInterestRate(i.clone()),
        }
    }

    fn describe(&self) -> String {
        match self {
            ReferenceChange::Fx(i) => format!(
                "the exchange rate of {} for {:04}-{:02}: {} CNY (reference data of every book)",
                i.currency,
                i.month.0,
                i.month.1,
                i.cny_per_unit.normalize()
            ),
            ReferenceChange::Tariff(i) => format!(
                "the tariff of HS {} from {}: duty {} %, VAT {} %{} (reference data of every book)",
                i.hs,
                i.from,
                i.duty_pct.normalize(),
                i.vat_pct.normalize(),
                i.consumption_pct
                    .map(|c| format!(", consumption tax {} %", c.normalize()))
                    .unwrap_or_default()
            ),
            ReferenceChange::Interest(i) => format!(
                "the deferred-tax interest rate from {}: {} % a year (reference data of every book)",
                i.from,
                i.annual_pct.normalize()
            ),
        }
    }
}

impl Reviewable {
    pub fn account(&self) -> &BookNo {
        match self {
            Reviewable::Movement(l) => &l.account,
            Reviewable::Correction(c) => &c.account,
            Reviewable::Stocktake(s) => &s.account,
            Reviewable::UnitConsumption(b) => &b.account,
            Reviewable::Settings { account, .. } => account,
            Reviewable::Reference { account, .. } => account,
        }
    }

    /// The command the item stands for.
    pub fn command(&self) -> Command {
        match self {
            Reviewable::Movement(l) => Command::RecordMovement(l.clone()),
            Reviewable::Correction(c) => Command::CorrectMovement(c.clone()),
            Reviewable::Stocktake(s) => Command::RecordStocktake(s.clone()),
            Reviewable::UnitConsumption(b) => Command::DeclareUnitConsumption(b.clone()),
            Reviewable::Settings { account, changes } => Command::ChangeSettings {
                account: account.clone(),
                changes: changes.clone(),
            },
            Reviewable::Reference { change, .. } => change.command(),
        }
    }

    /// The item a command stands for, if it is of a kind that review can hold; else the
    /// command back.
    pub fn from_command(command: Command) -> Result<Reviewable, Box<Command>> {
        match command {
            Command::RecordMovement(l) => Ok(Reviewable::Movement(l)),
            Command::CorrectMovement(c) => Ok(Reviewable::Correction(c)),
            Command::RecordStocktake(s) => Ok(Reviewable::Stocktake(s)),
            Command::DeclareUnitConsumption(b) => Ok(Reviewable::UnitConsumption(b)),
            Command::ChangeSettings { account, changes } => {
                Ok(Reviewable::Settings { account, changes })
            }
            other => Err(Box::new(other)),
        }
    }

    /// Its class; `None` for a movement no class holds (an import, say).
    pub fn class(&self) -> Option<ReviewClass> {
        match self {
            Reviewable::Movement(l) => ReviewClass::of_movement(l.mode, l.dir, l.goods),
            Reviewable::Correction(_) => Some(ReviewClass::Corrections),
            Reviewable::Stocktake(_) => Some(ReviewClass::Stocktakes),
            Reviewable::UnitConsumption(_) => Some(ReviewClass::UnitConsumption),
            // Held because it turns review off, whatever the book's classes (`turns_review_off`).
            Reviewable::Settings { .. } => None,
            // Held because the store reviews, whatever the class (`reviewing_book`).
            Reviewable::Reference { .. } => None,
        }
    }

    /// The item in a clerk's words, for lists and messages.
    pub fn describe(&self) -> String {
        match self {
            Reviewable::Movement(l) => {
                let what = match (l.item, &l.part) {
                    (Some(item), _) => format!("{} {item}", l.goods.noun()),
                    (None, Some(part)) => format!("{} part {part}", l.goods.noun()),
                    (None, None) => l.goods.noun().to_string(),
                };
                format!(
                    "{}/{}: {} {} {what}, qty {}, on {}",
                    l.ref_,
                    l.line,
                    l.mode,
                    l.dir,
                    l.qty.normalize(),
                    l.date
                )
            }
            Reviewable::Correction(c) => {
                format!("the correction of {}/{} ({})", c.ref_, c.line, c.reason)
            }
            Reviewable::Stocktake(s) => format!(
                "the stocktake of {} {} on {}: {}",
                s.goods.noun(),
                s.item,
                s.date,
                s.qty.normalize()
            ),
            Reviewable::UnitConsumption(b) => format!(
                "the unit consumption of finished item {} version {}, material {}: net {}",
                b.product,
                b.version,
                b.material,
                b.net.normalize()
            ),
            Reviewable::Settings { account, changes } => {
                let said: Vec<String> = changes
                    .iter()
                    .map(|c| match c {
                        Setting::Review(classes) if classes.is_empty() => "review=none".into(),
                        Setting::Review(classes) => format!(
                            "review={}",
                            classes
                                .iter()
                                .map(|c| c.name())
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                        other => format!("{other:?}"),
                    })
                    .collect();
                format!(
                    "the change of book {account}'s settings: {}",
                    said.join(", ")
                )
            }
            Reviewable::Reference { change, .. } => change.describe(),
        }
    }

    /// Whether this change of settings would stop the book reviewing a class it reviews now
    /// (`reviewed_now`): such a change waits for a reviewer, like the movements it would let
    /// through.
    pub fn turns_review_off(
        changes: &[Setting],
        reviewed_now: &std::collections::BTreeSet<ReviewClass>,
    ) -> bool {
        changes.iter().any(|c| match c {
            Setting::Review(after) => reviewed_now.iter().any(|class| !after.contains(class)),
            _ => false,
        })
    }

    pub(crate) fn line_key(&self) -> Option<LineKey> {
        match self {
            Reviewable::Movement(l) => Some((l.ref_.clone(), l.line)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAdded {
    pub name: String,
    pub role: Role,
    /// Lower-case hex SHA-256 of the bearer token; the token itself is never stored.
    pub token_sha256: String,
    /// The books the user may see and write; absent (every event recorded before grants
    /// existed, and a user added without `--books`): every book of the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub books: Option<Vec<BookNo>>,
}

/// A user's books granted anew (`bonded user grant`): from now on exactly these, or every
/// book (`books` absent). In the stream `users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserBooksSet {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub books: Option<Vec<BookNo>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSubmitted {
    /// The review's id: also the event's id.
    pub id: Uuid,
    pub account: BookNo,
    pub submitted_by: String,
    pub item: Reviewable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewApproved {
    pub id: Uuid,
    pub account: BookNo,
    pub approved_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRejected {
    pub id: Uuid,
    pub account: BookNo,
    pub rejected_by: String,
    pub reason: String,
}
