//! One module per command family: each parses its arguments, asks `ledger-core` (through a
//! store session) and prints what `output` renders. No customs rule is decided here.

pub mod admin;
pub mod cycle;
pub mod demo;
pub mod duty;
pub mod exposure;
pub mod load;
pub mod review;
