//! Exit codes of the contract, carried through `anyhow` as a typed error so `main` can map
//! any failure to the code a script expects.

use std::fmt;

pub const BAD_INPUT: i32 = 2;
pub const REFUSED: i32 = 3;
pub const INTEGRITY: i32 = 4;
pub const OTHER: i32 = 1;

/// A failure with the exit code it must end the process with. The message is already in
/// words for the user (often several lines, one per bad input line).
#[derive(Debug)]
pub struct Exit {
    pub code: i32,
    pub message: String,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: BAD_INPUT,
        message: message.into(),
    }
    .into()
}

/// The exit code for an error: a typed `Exit`, a store error (integrity → 4), or 1.
pub fn code_of(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Exit>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<ledger_store::StoreError>() {
            return if e.is_integrity() { INTEGRITY } else { OTHER };
        }
    }
    OTHER
}

/// The exit code for a core refusal.
pub fn code_of_refusal(r: &ledger_core::Refusal) -> i32 {
    match r.class() {
        ledger_core::RefusalClass::BadInput => BAD_INPUT,
        ledger_core::RefusalClass::Rule => REFUSED,
    }
}
