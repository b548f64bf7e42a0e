//! The customs model: what customs' own documents define, before anything is recorded.
//!
//! Identifiers (book, item, part, HS code, currency), trade modes and the balance column each
//! moves, the book header and its settings, who reviews which kind of movement, unit
//! consumption, the customs value of an import, money rounding and duty periods.
//!
//! **Layer rule:** `model` uses nothing else in this crate. Everything above may use it.

pub mod book;
pub mod customs_value;
pub mod declaration;
pub(crate) mod digits;
pub mod ids;
pub mod json_num;
pub mod limits;
pub mod message_settings;
pub mod money;
pub mod period;
pub mod refusal;
pub mod review;
pub mod trade_mode;
pub mod unit_consumption;
