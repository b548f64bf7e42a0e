//! The ids of decided events. Every id is derived, never random: the same input decided
//! twice gets the same id, so the log recognises a repeat wherever it comes from.

use super::*;

/// The namespace of every event id this ledger derives (UUID v5).
pub(crate) const ID_NAMESPACE: Uuid = Uuid::from_bytes([
    0x6b, 0x6f, 0x6e, 0x64, 0x65, 0x64, 0x2d, 0x6c, 0x65, 0x64, 0x67, 0x65, 0x72, 0x2d, 0x76, 0x31,
]);

/// The id of a movement: derived from the book, its `ref`+`line` and how often that line was
/// corrected, so the same line recorded twice gets the same id.
pub fn movement_id(account: &BookNo, ref_: &str, line: u32, generation: u32) -> Uuid {
    line_id("movement", account, ref_, line, generation)
}

pub(super) fn correction_id(account: &BookNo, ref_: &str, line: u32, generation: u32) -> Uuid {
    line_id("correction", account, ref_, line, generation)
}

pub(super) fn line_id(
    what: &str,
    account: &BookNo,
    ref_: &str,
    line: u32,
    generation: u32,
) -> Uuid {
    let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
    name_id(&[
        what,
        account.as_str(),
        ref_,
        crate::model::digits::decimal(line.into(), &mut a),
        crate::model::digits::decimal(generation.into(), &mut b),
    ])
}

/// The id of any other event: its stream and its position in that stream.
pub(crate) fn positional_id(stream: &str, position: u64) -> Uuid {
    let mut p = [0u8; 20];
    name_id(&[
        "event",
        stream,
        crate::model::digits::decimal(position, &mut p),
    ])
}

/// The UUID v5, in the ids' namespace, of the name made of `parts` joined by U+001F: the same
/// as `Uuid::new_v5(&ID_NAMESPACE, parts.join("\u{1f}"))`, without building the name, and with
/// SHA-1 on the processor's SHA instructions where it has them (a load makes one per line).
pub(crate) fn name_id(parts: &[&str]) -> Uuid {
    use sha1::{Digest, Sha1};
    let mut sha = Sha1::new();
    sha.update(ID_NAMESPACE.as_bytes());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sha.update([0x1f]);
        }
        sha.update(part.as_bytes());
    }
    let digest = sha.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// The id of a receipt: derived from the book and the message's type and id (or digest), so
/// the same receipt loaded again is recognised.
pub(super) fn receipt_id(account: &BookNo, message_type: &str, key: &str) -> Uuid {
    name_id(&["receipt", account.as_str(), message_type, key])
}
