//! The 金关二期 (Golden Customs phase II) documents of processing trade, as typed values.
//!
//! - [`inv101`]: the verification list (核注清单) a company drops into its customs client: the
//!   typed list, its field rules ([`inv101::validate`]), its XML both ways.
//! - [`receipt`]: everything that comes back — the client's import result and customs'
//!   INV201 / INV202 / INV211 / EMS221 receipts — recognised by content ([`receipt::read_message`]).
//! - [`lifecycle`]: the stages of a list and which receipt moves it where.
//! - [`ems121`]: the write-off declaration (报核) and its balance identity.
//! - [`codes`]: the customs code tables (currency, country, unit, transport, duty treatment …).
//!
//! Two XML shapes exist. What a company writes for its client ("shape A") has a `Signature`
//! root without namespace and PascalCase fields (`EtpsInnerInvtNo`); what the data centre sends
//! ("shape B") has a `Package` root with a default namespace and camelCase fields
//! (`etpsInnerInvtNo`). Customs' misspellings are part of the format and kept:
//! `EnvelopInfo`, `BussinessData`, `DelcareFlag`, `CommonResponeMessage`.
//!
//! **Layer rule:** `messages` may use `model` (today it uses nothing else of the crate); the
//! layers above use it. No I/O, no clock — the caller passes bytes in, gets text out, and
//! passes every time it wants written.

pub mod codes;
pub mod ems121;
mod fields;
pub mod inv101;
mod inv101_rules;
pub mod lifecycle;
pub mod receipt;
mod receipt_parts;
mod xml;

#[cfg(test)]
mod ems121_tests;
#[cfg(test)]
mod inv101_tests;
#[cfg(test)]
mod receipt_tests;

use chrono::NaiveDateTime;
use fields::At;
use thiserror::Error;
use xml::{Node, Writer};

pub use ems121::Ems121;
pub use inv101::Inv101;
pub use lifecycle::ListStage;
pub use receipt::{read_message, Message, Received};

/// A document that cannot be read. Each message names the element, and the record (`InvtListType
/// 2`, `BondInvtDt 3`) when the element belongs to one of several.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    #[error("the file is {bytes} bytes; at most {max} are read")]
    TooLarge { bytes: usize, max: usize },
    #[error("the file is not valid UTF-8 text (bad byte at offset {offset})")]
    BadUtf8 { offset: usize },
    #[error("the file declares the character encoding {label:?}, which cannot be read")]
    UnknownEncoding { label: String },
    #[error("the file is not valid {encoding} text")]
    BadEncoding { encoding: String },
    #[error("the file is not well-formed XML (line {line}): {reason}")]
    Xml { line: u32, reason: String },
    #[error("not a customs message: the document's root element is <{root}>")]
    NotAMessage { root: String },
    #[error("message type {message_type:?} is not one this program reads")]
    UnknownMessage { message_type: String },
    #[error("the envelope says {declared} but the document holds {found}")]
    TypeMismatch { declared: String, found: String },
    #[error("{element} appears more than once; the message has exactly one")]
    Repeated { element: String },
    #[error("{}{element}: missing", place(record))]
    Missing {
        record: Option<String>,
        element: String,
    },
    #[error("{}{element}: {value:?} is not {expected}", place(record))]
    BadValue {
        record: Option<String>,
        element: String,
        value: String,
        expected: &'static str,
    },
}

fn place(record: &Option<String>) -> String {
    record
        .as_ref()
        .map(|r| format!("{r}: "))
        .unwrap_or_default()
}

/// One broken rule of a list: which list, which line (if any), which element, and why.
/// Shown as `IMP20260042 line 2: Natcd: no origin country`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The list's `EtpsInnerInvtNo` (the ledger's `ref`).
    pub list: String,
    /// The line's `GdsSeqno`, for a line field.
    pub line: Option<u32>,
    /// The customs element name, as written in the file.
    pub element: &'static str,
    pub problem: Problem,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = if self.list.is_empty() {
            "(list without number)"
        } else {
            &self.list
        };
        match self.line {
            Some(line) => write!(f, "{list} line {line}: {}: {}", self.element, self.problem),
            None => write!(f, "{list}: {}: {}", self.element, self.problem),
        }
    }
}

impl std::error::Error for FieldError {}

/// Why a field breaks a rule, in words a customs clerk reads.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    #[error("no {what}")]
    Missing { what: &'static str },
    #[error("{len} characters; at most {max} are allowed")]
    TooLong { len: usize, max: usize },
    #[error("{value:?} has {len} characters; it must have exactly {want}")]
    WrongLength {
        value: String,
        len: usize,
        want: usize,
    },
    #[error("{value:?} is not {expected}")]
    BadFormat {
        value: String,
        expected: &'static str,
    },
    #[error("{value:?} is not a code of the {table} table")]
    NotInCodeList { value: String, table: &'static str },
    #[error("must be greater than zero, not {value}")]
    NotPositive { value: String },
    #[error("{value} has more than {max} decimal places")]
    TooManyDecimals { value: String, max: u32 },
    #[error("{value} has more than {max} digits")]
    TooManyDigits { value: String, max: usize },
    #[error("{0}")]
    NotAllowed(&'static str),
    /// A problem the caller found (a list whose lines do not share a head, an item not on
    /// the book), in its own words.
    #[error("{0}")]
    Other(String),
    #[error("{value} does not agree with {expected} ({why})")]
    Disagrees {
        value: String,
        expected: String,
        why: &'static str,
    },
    #[error("has spaces at its start or end")]
    Spaces,
    #[error("contains a control character")]
    ControlCharacter,
}

/// `EnvelopInfo` (sic), the envelope of every message, and the `PocketInfo` of shape B.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// `version`, ≤ 11; `1.0` when writing.
    pub version: String,
    /// `business_id`, ≤ 128: the BondInvtNo on INV202; left out of INV101.
    pub business_id: Option<String>,
    /// `message_id`, ≤ 128; unique per message (with the type, the idempotency key).
    pub message_id: String,
    /// `file_name`, ≤ 128.
    pub file_name: String,
    /// `message_type`, ≤ 16: `INV101`, `INV201`, …
    pub message_type: String,
    /// `sender_id`, ≤ 16; may be empty.
    pub sender_id: String,
    /// `receiver_id`, ≤ 16; may be empty.
    pub receiver_id: String,
    /// `send_time`, written `yyyy-MM-ddTHH:mm:ss` (China time). The caller passes it.
    pub send_time: Option<NaiveDateTime>,
    /// `DataInfo/PocketInfo`, shape B only.
    pub pocket: Option<PocketInfo>,
}

/// `PocketInfo`: how a message is split into parts (customs sends single parts).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PocketInfo {
    /// `pocket_id`, ≤ 128.
    pub pocket_id: String,
    /// `total_pocket_qty`.
    pub total_pocket_qty: Option<u32>,
    /// `cur_pocket_no`.
    pub cur_pocket_no: Option<u32>,
    /// `is_unstructured`: `1` = unstructured; usually empty.
    pub is_unstructured: Option<String>,
}

/// How strictly `send_time` is read: a company's own file must carry a readable one, a
/// receipt's is informational and an odd spelling is dropped rather than refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    Strict,
    Lenient,
}

fn read_envelope(package: &Node, strictness: Strictness) -> Result<Envelope, MessageError> {
    let Some(info) = package.child("EnvelopInfo") else {
        return Ok(Envelope::default());
    };
    let send_time = match strictness {
        Strictness::Strict => fields::date_time(info, "send_time", At::HEAD)?,
        Strictness::Lenient => info.text_of("send_time").and_then(fields::parse_date_time),
    };
    let pocket = match package.path(&["DataInfo", "PocketInfo"]) {
        None => None,
        Some(p) => Some(PocketInfo {
            pocket_id: fields::text_or_empty(p, "pocket_id"),
            total_pocket_qty: fields::whole(p, "total_pocket_qty", At::HEAD)?,
            cur_pocket_no: fields::whole(p, "cur_pocket_no", At::HEAD)?,
            is_unstructured: fields::text(p, "is_unstructured"),
        }),
    };
    Ok(Envelope {
        version: fields::text_or_empty(info, "version"),
        business_id: fields::text(info, "business_id"),
        message_id: fields::text_or_empty(info, "message_id"),
        file_name: fields::text_or_empty(info, "file_name"),
        message_type: fields::text_or_empty(info, "message_type"),
        sender_id: fields::text_or_empty(info, "sender_id"),
        receiver_id: fields::text_or_empty(info, "receiver_id"),
        send_time,
        pocket,
    })
}

fn write_envelope(w: &mut Writer, envelope: &Envelope) {
    w.open("EnvelopInfo");
    w.field("version", &envelope.version);
    w.optional("business_id", envelope.business_id.as_deref());
    w.field("message_id", &envelope.message_id);
    w.field("file_name", &envelope.file_name);
    w.field("message_type", &envelope.message_type);
    w.field("sender_id", &envelope.sender_id);
    w.field("receiver_id", &envelope.receiver_id);
    let send_time = envelope.send_time.map(fields::format_send_time);
    w.field("send_time", send_time.as_deref().unwrap_or_default());
    w.close();
}

fn write_pocket(w: &mut Writer, pocket: &PocketInfo) {
    w.open("PocketInfo");
    w.field("pocket_id", &pocket.pocket_id);
    let total = pocket.total_pocket_qty.map(|n| n.to_string());
    w.field("total_pocket_qty", total.as_deref().unwrap_or_default());
    let current = pocket.cur_pocket_no.map(|n| n.to_string());
    w.field("cur_pocket_no", current.as_deref().unwrap_or_default());
    w.field(
        "is_unstructured",
        pocket.is_unstructured.as_deref().unwrap_or_default(),
    );
    w.close();
}

/// SHA-256 of the raw bytes, lower-case hex: the digest stored with every receipt.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}
