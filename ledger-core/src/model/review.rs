//! Who may do what, and which movements need a second person: the roles of `bonded serve`
//! and the classes of item under dual review (DOMAIN.md §7, seed `000`: no single person both
//! records and approves a high-risk movement). A book's `review` setting lists the classes it
//! reviews.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::refusal::InvalidValue;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};

/// What a user of `bonded serve` may do. Clerks record; reviewers record too, and approve or
/// reject what needs review — never their own submission; auditors read everything and write
/// nothing; admins manage users and books (and may record). Reading is open to every role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Reviewer,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Clerk, Role::Reviewer, Role::Auditor, Role::Admin];

    pub fn name(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| InvalidValue {
                what: "role",
                value: s.to_string(),
                why: "a role is clerk, reviewer, auditor or admin".into(),
            })
    }
}

/// A class of item under dual review; the book's `review` setting lists the classes it
/// reviews (default: all six).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewClass {
    /// 0644/0245 I, materials or finished goods.
    DomesticSales,
    /// 0200 E materials, 0400 E scrap.
    Destruction,
    /// 0844/0845 I scrap, 0864/0865 E scrap.
    ScrapSales,
    /// The reversal of a recorded movement (a corrections line).
    Corrections,
    /// A counted quantity (a stocktake line).
    Stocktakes,
    /// A unit-consumption line that changes a declared (product, material, version) or adds a
    /// material to a version already declared. A first declaration of a new version does not
    /// need review.
    UnitConsumption,
}

impl ReviewClass {
    pub const ALL: [ReviewClass; 6] = [
        ReviewClass::DomesticSales,
        ReviewClass::Destruction,
        ReviewClass::ScrapSales,
        ReviewClass::Corrections,
        ReviewClass::Stocktakes,
        ReviewClass::UnitConsumption,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReviewClass::DomesticSales => "domestic_sales",
            ReviewClass::Destruction => "destruction",
            ReviewClass::ScrapSales => "scrap_sales",
            ReviewClass::Corrections => "corrections",
            ReviewClass::Stocktakes => "stocktakes",
            ReviewClass::UnitConsumption => "unit_consumption",
        }
    }

    /// `review=` of `account set`: a comma-separated list of classes, `all`, or `none`.
    pub fn parse_list(value: &str) -> Result<BTreeSet<ReviewClass>, String> {
        let v = value.trim();
        if v.eq_ignore_ascii_case("none") {
            return Ok(BTreeSet::new());
        }
        if v.eq_ignore_ascii_case("all") {
            return Ok(ReviewClass::ALL.into_iter().collect());
        }
        let mut out = BTreeSet::new();
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let class = ReviewClass::ALL
                .into_iter()
                .find(|c| c.name().eq_ignore_ascii_case(part))
                .ok_or_else(|| {
                    format!(
                        "{part:?} is not a class of review (domestic_sales, destruction, \
                         scrap_sales, corrections, stocktakes, unit_consumption; or all, none)"
                    )
                })?;
            out.insert(class);
        }
        if out.is_empty() {
            return Err("expected a list of classes, all, or none".into());
        }
        Ok(out)
    }

    /// The class of a movement (its trade mode, direction and goods), if it is one dual
    /// review may hold.
    pub fn of_movement(mode: TradeMode, dir: Direction, goods: GoodsKind) -> Option<ReviewClass> {
        use Direction::{E, I};
        use GoodsKind::{M, P, S};
        use TradeMode::*;
        match (mode, dir, goods) {
            (M0644 | M0245, I, M | P) => Some(ReviewClass::DomesticSales),
            (M0200, E, M) | (M0400, E, S) => Some(ReviewClass::Destruction),
            (M0844 | M0845, I, S) | (M0864 | M0865, E, S) => Some(ReviewClass::ScrapSales),
            _ => None,
        }
    }
}

impl fmt::Display for ReviewClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
