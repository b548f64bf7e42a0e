//! `ledger-core`: the pure domain of the bonded ledger.
//!
//! Types, events, `decide(state, command) -> events | refusal`, `Ledger::evolve(event)`,
//! projections and reports. No I/O, no clock (dates are passed in), no floating point: every
//! quantity and amount is a `rust_decimal::Decimal`.
//!
//! The crate is six layers, each a folder that only looks down:
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
//!   messages   the 金关二期 documents: INV101, receipts, EMS121, code tables, list lifecycle
//!     │
//!   model      identifiers, trade modes, book header and settings, review classes,
//!              unit consumption, customs value, money, periods, the declaration
//! ```
//!

pub mod decide;
pub mod events;
pub mod messages;
pub mod model;
pub mod reports;
pub mod state;

pub use decide::{decide, decide_all, decide_all_in_place, Decided};
pub use events::{Event, SCHEMA_VERSION};
pub use model::refusal::{Refusal, RefusalClass};
pub use state::ledger::Ledger;
