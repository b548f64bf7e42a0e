//! The life of a verification list, from recorded to written off, and which receipt moves it.
//!
//! | stage | evidence |
//! |---|---|
//! | `recorded` | the ledger holds the movements of the `ref` |
//! | `exported` | `bonded` wrote the INV101 file |
//! | `staged` | client result `DealFlag` 0 for a file saved as a draft (`DelcareFlag` 0) |
//! | `declared` | client result `DealFlag` 0 for a declared file (`DelcareFlag` 1) |
//! | `failed` | client result `DealFlag` ≠ 0, or INV201 `Z` (refused at intake) |
//! | `received` | INV201 `Y` (stored by customs) |
//! | `review` | INV201 `2` (passed to an officer) |
//! | `returned` | INV201 `3`, or `invtStucd` 2 |
//! | `approved` | INV201 `5`, or `invtStucd` 0 |
//! | `pre_deducted` | INV201 `4`, or `vrfdedMarkcd` 1 |
//! | `deducted` | INV201 `1`, or `vrfdedMarkcd` 2 (INV211) |
//! | `deleted` | `invtStucd` 3 |
//! | `written_off` | `vrfdedMarkcd` 3 |
//!
//! INV202 (declaration generated) and EMS221 (the cycle's write-off) are not list stages.
//!
//! Receipts arrive late and out of order, so a list only moves forward. The ranking (lowest
//! first): recorded 0 · exported 1 · staged 2 · declared 3 · failed and received 4 (intake: the
//! first of the two wins) · review 5 · returned 6 (after a review, a return is news) ·
//! approved 7 · pre_deducted 8 · deducted 9 · deleted 10 · written_off 11. A receipt implying a
//! stage of lower or equal rank is recorded but leaves the stage as it is. The one way back is
//! a re-export: a list that was staged, refused at intake or returned can be exported, staged
//! or declared again (after a return it is corrected and sent again with the same SeqNo).

use super::receipt::{BondInvtBsc, ClientResult, HdeApprResult, Message};
use serde::{Deserialize, Serialize};

/// Where a verification list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListStage {
    Recorded,
    Exported,
    Staged,
    Declared,
    Failed,
    Received,
    Review,
    Returned,
    Approved,
    PreDeducted,
    Deducted,
    Deleted,
    WrittenOff,
}

impl ListStage {
    /// Every stage, in rank order.
    pub const ALL: [ListStage; 13] = [
        ListStage::Recorded,
        ListStage::Exported,
        ListStage::Staged,
        ListStage::Declared,
        ListStage::Failed,
        ListStage::Received,
        ListStage::Review,
        ListStage::Returned,
        ListStage::Approved,
        ListStage::PreDeducted,
        ListStage::Deducted,
        ListStage::Deleted,
        ListStage::WrittenOff,
    ];

    /// The stage's name: `recorded`, `pre_deducted`, `written_off`, …
    pub fn as_str(self) -> &'static str {
        match self {
            ListStage::Recorded => "recorded",
            ListStage::Exported => "exported",
            ListStage::Staged => "staged",
            ListStage::Declared => "declared",
            ListStage::Failed => "failed",
            ListStage::Received => "received",
            ListStage::Review => "review",
            ListStage::Returned => "returned",
            ListStage::Approved => "approved",
            ListStage::PreDeducted => "pre_deducted",
            ListStage::Deducted => "deducted",
            ListStage::Deleted => "deleted",
            ListStage::WrittenOff => "written_off",
        }
    }

    /// The stage of a name given by [`ListStage::as_str`].
    pub fn parse(name: &str) -> Option<ListStage> {
        ListStage::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The rank that decides whether a receipt moves the list (see the module's table).
    pub fn rank(self) -> u8 {
        match self {
            ListStage::Recorded => 0,
            ListStage::Exported => 1,
            ListStage::Staged => 2,
            ListStage::Declared => 3,
            ListStage::Failed | ListStage::Received => 4,
            ListStage::Review => 5,
            ListStage::Returned => 6,
            ListStage::Approved => 7,
            ListStage::PreDeducted => 8,
            ListStage::Deducted => 9,
            ListStage::Deleted => 10,
            ListStage::WrittenOff => 11,
        }
    }

    /// Stages from which the list may be sent again: a draft, a file refused at intake, a list
    /// customs returned.
    fn may_resend(self) -> bool {
        matches!(
            self,
            ListStage::Staged | ListStage::Failed | ListStage::Returned
        )
    }

    /// Stages a (re-)export leads to.
    fn is_sending(self) -> bool {
        matches!(
            self,
            ListStage::Exported | ListStage::Staged | ListStage::Declared
        )
    }
}

impl std::fmt::Display for ListStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stage after `implied` is learnt while the list is at `current`: forward only, except a
/// re-export of a staged, failed or returned list.
pub fn advance(current: ListStage, implied: ListStage) -> ListStage {
    if implied.rank() > current.rank() || (current.may_resend() && implied.is_sending()) {
        implied
    } else {
        current
    }
}

/// The stage a client result implies; `declares` is the `DelcareFlag` of the file it answers
/// (`true` for 1). `None` when the file was imported but its flag is unknown.
pub fn stage_of_client_result(result: &ClientResult, declares: Option<bool>) -> Option<ListStage> {
    if !result.imported() {
        return Some(ListStage::Failed);
    }
    declares.map(|d| {
        if d {
            ListStage::Declared
        } else {
            ListStage::Staged
        }
    })
}

/// The stage an INV201 `manageResult` implies.
pub fn stage_of_manage_result(code: &str) -> Option<ListStage> {
    Some(match code {
        "Y" => ListStage::Received,
        "Z" => ListStage::Failed,
        "2" => ListStage::Review,
        "3" => ListStage::Returned,
        "5" => ListStage::Approved,
        "4" => ListStage::PreDeducted,
        "1" => ListStage::Deducted,
        _ => return None,
    })
}

/// The stage the status fields of a `BondInvtBsc` imply: deletion and write-off first, then
/// the deduction mark, then the list status.
pub fn stage_of_status(head: &BondInvtBsc) -> Option<ListStage> {
    let stucd = head.invt_stucd.as_deref();
    let vrfded = head.vrfded_markcd.as_deref();
    if stucd == Some("3") {
        return Some(ListStage::Deleted);
    }
    match vrfded {
        Some("3") => return Some(ListStage::WrittenOff),
        Some("2") => return Some(ListStage::Deducted),
        Some("1") => return Some(ListStage::PreDeducted),
        _ => {}
    }
    match stucd {
        Some("2") => Some(ListStage::Returned),
        Some("0") => Some(ListStage::Approved),
        _ => None,
    }
}

fn highest(a: Option<ListStage>, b: Option<ListStage>) -> Option<ListStage> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.rank() > a.rank() { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

fn stage_of_inv201(appr: &HdeApprResult, head: Option<&BondInvtBsc>) -> Option<ListStage> {
    let by_result = appr
        .manage_result
        .as_deref()
        .and_then(stage_of_manage_result);
    highest(by_result, head.and_then(stage_of_status))
}

/// The list stage a message implies. `declares` is needed for a client result only: the
/// `DelcareFlag` of the file it answers. INV202, EMS221 and an INV101 imply none.
pub fn implied_stage(message: &Message, declares: Option<bool>) -> Option<ListStage> {
    match message {
        Message::ClientResult(r) => stage_of_client_result(r, declares),
        Message::Inv201(m) => stage_of_inv201(&m.appr, m.head.as_ref()),
        Message::Inv211(m) => m.head.as_ref().and_then(stage_of_status),
        Message::Inv101(_) | Message::Inv202(_) | Message::Ems221(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_and_parse_back() {
        let names: Vec<_> = ListStage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "recorded",
                "exported",
                "staged",
                "declared",
                "failed",
                "received",
                "review",
                "returned",
                "approved",
                "pre_deducted",
                "deducted",
                "deleted",
                "written_off"
            ]
        );
        for s in ListStage::ALL {
            assert_eq!(ListStage::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }

    #[test]
    fn ranks_never_fall_along_all() {
        for pair in ListStage::ALL.windows(2) {
            assert!(pair[0].rank() <= pair[1].rank(), "{:?}", pair);
        }
    }

    #[test]
    fn forward_only_with_the_resend_exceptions() {
        use ListStage::*;
        let cases = [
            (Recorded, Exported, Exported),
            (Exported, Declared, Declared),
            (Declared, Received, Received),
            (Received, Failed, Received),
            (Failed, Received, Failed),
            (Received, Review, Review),
            (Review, Returned, Returned),
            (Returned, Declared, Declared),
            (Returned, Exported, Exported),
            (Failed, Exported, Exported),
            (Staged, Exported, Exported),
            (Staged, Declared, Declared),
            (Approved, Received, Approved),
            (Approved, Returned, Approved),
            (Deducted, PreDeducted, Deducted),
            (PreDeducted, Deducted, Deducted),
            (Deducted, Approved, Deducted),
            (Deducted, Declared, Deducted),
            (Approved, Exported, Approved),
            (Deducted, Deleted, Deleted),
            (Deducted, WrittenOff, WrittenOff),
            (WrittenOff, Deducted, WrittenOff),
            (Declared, Declared, Declared),
        ];
        for (current, implied, want) in cases {
            assert_eq!(advance(current, implied), want, "{current} + {implied}");
        }
    }
}
