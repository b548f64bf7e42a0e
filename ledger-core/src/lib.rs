//! `ledger-core`: the pure domain of the bonded ledger.
//!
//! Types, events, `decide(state, command) -> events | refusal`, `Ledger::evolve(event)`,
//! projections and reports. No I/O, no clock (dates are passed in), no floating point: every
//! quantity and amount is a `rust_decimal::Decimal`.
//!
//! The crate is five layers, each a folder that only looks down:
//!
//! ```text
//!   decide     commands against the state → events or a refusal; dual review
//!     │
//!   reports    duty, deadlines, the cycle report, Order 182 exposure (read the state)
//!     │
//!   state      Ledger, evolve, lines, stock, balances, users and reviews
//!     │
//!   events     events and commands, with their JSON
//!     │
//!   model      identifiers, trade modes, book header and settings, review classes,
//!              unit consumption, customs value, money, periods, the declaration
//! ```
//!
//! `messages` (the 金关二期 documents) stands beside them and uses `model` only.

pub mod decide;
pub mod events;
pub mod model;
pub mod reports;
pub mod state;

pub use decide::{decide, decide_all, decide_all_in_place, Decided};
pub use events::{Event, SCHEMA_VERSION};
pub use model::refusal::{Refusal, RefusalClass};
pub use state::ledger::Ledger;

// The paths the command line used before the layers: kept while it moves over.
/// Users, roles and dual review, as the command line named them before the layers.
pub mod access {
    pub use crate::decide::review::*;
    pub use crate::events::review::*;
    pub use crate::model::review::*;
    pub use crate::state::reviews::*;
}
pub use events::{commands, event_json};
pub use model::{
    book, customs_value, ids, json_num, money, period, refusal, trade_mode, unit_consumption,
};
pub use reports::{cycle, deadlines, duty, exposure};
pub use state::{balance, ledger, lines, stock};
