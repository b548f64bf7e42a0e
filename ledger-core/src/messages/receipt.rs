//! Reading what comes back: one entry point, [`read_message`], that recognises a document by
//! its content, not its file name.
//!
//! - root `CommonResponeMessage` (sic): the customs client's result of importing a file
//!   (`DealFlag` 0 = imported, with the pre-entry number `SeqNo`);
//! - root `Signature` or `Package`, then `DataInfo/BussinessData/<business element>`:
//!   `InvtMessage` is an INV101 (a company's own list), `INV201` an approval result,
//!   `INV202` a generated declaration, `INV211` a booking receipt, `EMS221` a write-off result.
//!   When the envelope's `message_type` is given it must agree with the business element.
//!
//! The declared encoding is honoured (UTF-8, GB2312, GBK, GB18030); elements are matched by
//! local name, namespaces and unknown elements ignored; an empty element is no value. Every
//! result carries the SHA-256 of the raw bytes and the envelope's type and id: the key under
//! which a receipt is recorded once.

use super::ems121::{self, EmsChgoffBsc, EmsChgoffDt};
use super::inv101::{self, Inv101};
use super::receipt_parts::{read_appr, read_bsc, read_dt, read_inv_appr, read_notes, read_putrec};
pub use super::receipt_parts::{
    BondInvtBsc, BondInvtDt, EmsPutrecDt, HdeApprResult, InvApprResult,
};
use super::xml::{self, Node};
use super::{fields, read_envelope, sha256_hex, Envelope, MessageError, Strictness};

/// A document read, with what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The envelope's `message_type`, or the business element when the envelope has none;
    /// `CommonResponeMessage` for a client result.
    pub message_type: String,
    /// The envelope's `message_id`; `None` for a client result (it has no envelope: match it
    /// to its list through its file name, and recognise a repeat by the digest).
    pub message_id: Option<String>,
    /// SHA-256 of the raw bytes, lower-case hex.
    pub sha256: String,
    pub message: Message,
}

/// The documents `bonded` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A verification list (the company's own file).
    Inv101(Box<Inv101>),
    /// `CommonResponeMessage`: the client's import result.
    ClientResult(ClientResult),
    /// INV201 审核回执: approval result.
    Inv201(Inv201),
    /// INV202 报关单生成回执: declaration generated (or not).
    Inv202(Inv202),
    /// INV211 记账回执: the list booked against the book.
    Inv211(Inv211),
    /// EMS221 核销回执: write-off result.
    Ems221(Ems221),
}

impl Message {
    /// The envelope, for every document but the client result (which has none).
    pub fn envelope(&self) -> Option<&Envelope> {
        match self {
            Message::Inv101(m) => Some(&m.envelope),
            Message::ClientResult(_) => None,
            Message::Inv201(m) => Some(&m.envelope),
            Message::Inv202(m) => Some(&m.envelope),
            Message::Inv211(m) => Some(&m.envelope),
            Message::Ems221(m) => Some(&m.envelope),
        }
    }
}

/// `CommonResponeMessage`: the customs client's answer to an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientResult {
    /// `SeqNo`: the 18-digit pre-entry number the client assigned.
    pub seq_no: Option<String>,
    /// `EtpsPreentNo`: the client's reference (not always the company list number).
    pub etps_preent_no: Option<String>,
    /// `CheckInfo`: the result in words.
    pub check_info: Option<String>,
    /// `DealFlag`: `0` imported; anything else failed.
    pub deal_flag: Option<String>,
}

impl ClientResult {
    /// Whether the client imported the file (`DealFlag` 0).
    pub fn imported(&self) -> bool {
        self.deal_flag.as_deref() == Some("0")
    }
}

/// INV201: `HdeApprResult`, notes, and the list as customs holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inv201 {
    pub envelope: Envelope,
    pub appr: HdeApprResult,
    /// The `note` of each `CheckInfo`: reasons and messages.
    pub notes: Vec<String>,
    pub head: Option<BondInvtBsc>,
    pub lines: Vec<BondInvtDt>,
}

/// INV202: the declaration generated from the list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inv202 {
    pub envelope: Envelope,
    pub result: InvApprResult,
}

/// INV211: the list booked. E-book item rows are `EmsPutrecDt`; the T-book rows
/// (`BwsDt`, bonded warehouses) are not read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inv211 {
    pub envelope: Envelope,
    pub head: Option<BondInvtBsc>,
    pub items: Vec<EmsPutrecDt>,
}

/// EMS221: the write-off result, with customs' head and per-item figures (adjustments
/// `vrfaddQty` / `vrfredQty` included).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ems221 {
    pub envelope: Envelope,
    pub appr: HdeApprResult,
    pub notes: Vec<String>,
    pub head: Option<EmsChgoffBsc>,
    pub rows: Vec<EmsChgoffDt>,
}

/// The business elements recognised under `BussinessData`, and their message types.
const BUSINESS: [(&str, &str); 5] = [
    ("InvtMessage", "INV101"),
    ("INV201", "INV201"),
    ("INV202", "INV202"),
    ("INV211", "INV211"),
    ("EMS221", "EMS221"),
];

/// Reads any document `bonded` knows, recognised by its content.
pub fn read_message(bytes: &[u8]) -> Result<Received, MessageError> {
    let sha256 = sha256_hex(bytes);
    let root = xml::parse(bytes)?;
    if root.name.eq_ignore_ascii_case("CommonResponeMessage")
        || root.name.eq_ignore_ascii_case("CommonResponseMessage")
    {
        return Ok(Received {
            message_type: "CommonResponeMessage".into(),
            message_id: None,
            sha256,
            message: Message::ClientResult(ClientResult {
                seq_no: fields::text(&root, "SeqNo"),
                etps_preent_no: fields::text(&root, "EtpsPreentNo"),
                check_info: fields::text(&root, "CheckInfo"),
                deal_flag: fields::text(&root, "DealFlag"),
            }),
        });
    }
    let package = if root.name.eq_ignore_ascii_case("Package") {
        &root
    } else if root.name.eq_ignore_ascii_case("Signature") {
        root.path(&["Object", "Package"])
            .ok_or_else(|| missing("Package"))?
    } else {
        return Err(MessageError::NotAMessage { root: root.name });
    };
    let declared = package
        .path(&["EnvelopInfo", "message_type"])
        .map(|n| n.text.trim().to_string())
        .filter(|t| !t.is_empty());
    let business = package
        .path(&["DataInfo", "BussinessData"])
        .ok_or_else(|| missing("BussinessData"))?;
    let found = BUSINESS
        .iter()
        .find_map(|(element, kind)| business.child(element).map(|node| (*kind, node)));
    let (kind, body) = match (found, &declared) {
        (Some((kind, _)), Some(declared)) if !declared.eq_ignore_ascii_case(kind) => {
            return Err(MessageError::TypeMismatch {
                declared: declared.clone(),
                found: kind.to_string(),
            })
        }
        (Some(found), _) => found,
        (None, Some(declared)) if BUSINESS.iter().any(|(_, k)| k == declared) => {
            return Err(missing(declared))
        }
        (None, declared) => {
            let message_type = declared.clone().unwrap_or_else(|| {
                business
                    .children
                    .first()
                    .map(|c| c.name.clone())
                    .unwrap_or_default()
            });
            return Err(MessageError::UnknownMessage { message_type });
        }
    };
    let message = match kind {
        "INV101" => Message::Inv101(Box::new(inv101::from_package(package)?)),
        _ => read_receipt(kind, package, body)?,
    };
    let message_id = message
        .envelope()
        .map(|e| e.message_id.clone())
        .filter(|id| !id.is_empty());
    Ok(Received {
        message_type: declared.unwrap_or_else(|| kind.to_string()),
        message_id,
        sha256,
        message,
    })
}

fn missing(element: &str) -> MessageError {
    MessageError::Missing {
        record: None,
        element: element.to_string(),
    }
}

fn read_receipt(kind: &str, package: &Node, body: &Node) -> Result<Message, MessageError> {
    let envelope = read_envelope(package, Strictness::Lenient)?;
    Ok(match kind {
        "INV201" => Message::Inv201(Inv201 {
            envelope,
            appr: read_appr(
                body.child("HdeApprResult")
                    .ok_or_else(|| missing("HdeApprResult"))?,
            )?,
            notes: read_notes(body),
            head: body.child("BondInvtBsc").map(read_bsc).transpose()?,
            lines: body
                .children_named("BondInvtDt")
                .enumerate()
                .map(|(i, n)| read_dt(n, i + 1))
                .collect::<Result<_, _>>()?,
        }),
        "INV202" => Message::Inv202(Inv202 {
            envelope,
            result: read_inv_appr(
                body.child("InvApprResult")
                    .ok_or_else(|| missing("InvApprResult"))?,
            )?,
        }),
        "INV211" => Message::Inv211(Inv211 {
            envelope,
            head: body.child("BondInvtBsc").map(read_bsc).transpose()?,
            items: body
                .children_named("EmsPutrecDt")
                .enumerate()
                .map(|(i, n)| read_putrec(n, i + 1))
                .collect::<Result<_, _>>()?,
        }),
        _ => Message::Ems221(Ems221 {
            envelope,
            appr: read_appr(
                body.child("HdeApprResult")
                    .ok_or_else(|| missing("HdeApprResult"))?,
            )?,
            notes: read_notes(body),
            head: body
                .child("EmsChgoffBsc")
                .map(ems121::read_head)
                .transpose()?,
            rows: body
                .children_named("EmsChgoffDt")
                .enumerate()
                .map(|(i, n)| ems121::read_row(n, i + 1))
                .collect::<Result<_, _>>()?,
        }),
    })
}
