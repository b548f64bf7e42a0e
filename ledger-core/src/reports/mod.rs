//! The reports: what the state answers to customs and to the company. Duty on domestic sales
//! and its deferred interest, the deadlines and their late fees, the write-off cycle report
//! and annual declaration, the Order 182 exposure.
//!
//! **Layer rule:** `reports` read the state (`state`, `events`, `model`); they never decide and
//! never change it. `decide` may call them (filing a duty declaration assesses it first).

pub mod cycle;
pub mod deadlines;
pub mod duty;
pub mod ems121;
pub mod exposure;
pub mod inv101;
pub mod lists;
pub mod writeoff;
