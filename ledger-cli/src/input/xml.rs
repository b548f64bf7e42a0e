//! Customs XML messages as input: an INV101 verification list (the company's own file, read
//! back into movements) or a message that came back from the customs client or customs (the
//! client's import result, INV201, INV202, INV211, EMS221). Recognised by content
//! (`ledger_core::messages::read_message`), in the encoding the file declares; the commands
//! they become are decided like any other.

use std::path::Path;

use ledger_core::events::commands::Command;
use ledger_core::messages::receipt::{read_message, Message, Received};
use ledger_core::model::ids::BookNo;
use ledger_core::reports::inv101::movements_of;
use ledger_core::Ledger;

use super::LineError;

/// One XML message file, read.
#[derive(Debug, Clone)]
pub struct MessageFile {
    /// The name it is reported under (the path given).
    pub file: String,
    /// The file's own name (no folder): a client result is matched to its list by it.
    pub base_name: String,
    pub received: Received,
}

/// Whether bytes look like an XML document rather than a CSV file: after a byte-order mark
/// and white space, the first character is `<`.
pub fn looks_like_xml(bytes: &[u8]) -> bool {
    let start = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Reads a message file's bytes; `file` names it in errors.
pub fn read_message_bytes(file: &str, bytes: &[u8]) -> Result<MessageFile, Vec<LineError>> {
    let received = read_message(bytes).map_err(|e| {
        vec![LineError::whole_file(
            file,
            format!("not a customs message bonded reads: {e}"),
        )]
    })?;
    let base_name = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    Ok(MessageFile {
        file: file.to_string(),
        base_name,
        received,
    })
}

impl MessageFile {
    /// The order messages are loaded in: lists before the receipts about them, and the
    /// client's result before customs' receipts.
    pub fn rank(&self) -> u8 {
        match &self.received.message {
            Message::Inv101(_) => 0,
            Message::ClientResult(_) => 1,
            Message::Inv201(_) => 2,
            Message::Inv202(_) => 3,
            Message::Inv211(_) => 4,
            Message::Ems221(_) => 5,
        }
    }

    /// What the file is, in words.
    pub fn kind(&self) -> &'static str {
        match &self.received.message {
            Message::Inv101(_) => "INV101 list",
            Message::ClientResult(_) => "client result",
            Message::Inv201(_) => "INV201 receipt",
            Message::Inv202(_) => "INV202 receipt",
            Message::Inv211(_) => "INV211 receipt",
            Message::Ems221(_) => "EMS221 receipt",
        }
    }

    /// Whether it is a list (its lines become movements) rather than a receipt.
    pub fn is_list(&self) -> bool {
        matches!(self.received.message, Message::Inv101(_))
    }

    /// The commands the file gives, decided against `ledger` (the state it is loaded into):
    /// a list's movements, numbered by their line (GdsSeqno), or the one receipt. A list that
    /// does not read as movements: every problem, `file: line N: Element: why`.
    pub fn commands(&self, ledger: &Ledger) -> Result<Vec<(u64, Command)>, Vec<LineError>> {
        match &self.received.message {
            Message::Inv101(doc) => {
                let account: Option<BookNo> = doc.head.putrec_no.trim().parse().ok();
                let book = account.as_ref().and_then(|a| ledger.book(a));
                let lines = movements_of(doc, book).map_err(|problems| {
                    problems
                        .into_iter()
                        .map(|p| LineError {
                            file: self.file.clone(),
                            line: p.line.map(u64::from).unwrap_or(0),
                            column: Some(p.element.to_string()),
                            message: p.message,
                        })
                        .map(|mut e| {
                            if e.line == 0 {
                                // A problem of the list's head: name the element all the same.
                                e.message = format!(
                                    "{}: {}",
                                    e.column.take().unwrap_or_default(),
                                    e.message
                                );
                            }
                            e
                        })
                        .collect::<Vec<_>>()
                })?;
                Ok(lines
                    .into_iter()
                    .map(|l| (u64::from(l.line), Command::RecordMovement(l)))
                    .collect())
            }
            _ => Ok(vec![(
                0,
                Command::RecordReceipt {
                    received: Box::new(self.received.clone()),
                    file_name: Some(self.base_name.clone()),
                },
            )]),
        }
    }
}
