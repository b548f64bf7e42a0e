//! The state: what the log says, folded. `Ledger` holds every book, its items, lines, stock and
//! reviews, and the reference data; `Ledger::evolve` folds one event into it; the projections
//! read it (a book's balances on a date).
//!
//! **Layer rule:** `state` uses `model` and `events`, nothing above. Nothing here decides:
//! `evolve` applies what was decided, and never refuses an event of the log.

pub mod balance;
pub mod effects;
mod fast_hash;
pub mod finished;
pub mod imports;
mod intern;
pub mod ledger;
mod line_codec;
pub mod lines;
pub mod lists;
pub mod reviews;
pub mod snapshot;
pub mod stock;
