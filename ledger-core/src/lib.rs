//! `ledger-core`: the pure domain of the bonded ledger.
//!
//! Types, events, `decide(state, command) -> events | refusal`, `Ledger::evolve(event)`,
//! projections. No I/O, no clock (dates are passed in), no floating point: every quantity and
//! amount is a `rust_decimal::Decimal`.

pub mod access;
pub mod balance;
pub mod book;
pub mod commands;
pub mod customs_value;
pub mod cycle;
pub mod deadlines;
pub mod decide;
pub(crate) mod digits;
pub mod duty;
pub mod event_json;
pub mod events;
pub mod exposure;
mod fast_hash;
pub mod ids;
mod intern;
pub mod json_num;
pub mod ledger;
pub mod lines;
pub mod messages;
pub mod money;
pub mod period;
pub mod refusal;
pub mod stock;
pub mod trade_mode;
pub mod unit_consumption;

pub use decide::{decide, decide_all, decide_all_in_place, Decided};
pub use events::{Event, SCHEMA_VERSION};
pub use ledger::Ledger;
pub use refusal::{Refusal, RefusalClass};
