//! The parts the saved state is written in, so that a command reads only what it needs: a
//! balance reads the stock, not ten years of line records; a duty assessment reads the
//! domestic sales kept whole and the import lots, not the records a new recording is checked
//! against.

/// One part of the saved state. The number is the part's id in the snapshot file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Everything not in a part below: event counts, users, reference data (rates, tariffs,
    /// interest), and per book its header, settings, items, BOMs, openings, stocktakes,
    /// filings, closed cycles, reviews, the capacity used.
    Base = 1,
    /// Per book, the stock by day: each material's columns from the book's stock split on (1
    /// January of the year before its latest day with a change), with what came before summed
    /// into one entry per column the day before the split; the scrap stocks, the goods at
    /// subcontractors. Exact for any question about the split's eve or later: a balance of
    /// this year or last, the open cycle's identity.
    Stock = 6,
    /// Per book, each material's changes before the stock's split: read, and put in place of
    /// the sums, only by a question that reaches back further (a balance as of an earlier day,
    /// the report of an older cycle).
    History = 7,
    /// Per book, the lines that reports read whole (domestic sales, remaining-material
    /// carry-overs, finished goods waiting for their unit consumption), the list numbers, the
    /// months with deep-processing carry-overs, and the finished goods per month.
    Kept = 2,
    /// Per book, every other line recorded, compact: what a new recording is checked against
    /// (a repeat, a correction) and what a correction takes back, with how often each line
    /// was corrected and why last. Only writing reads it.
    Records = 3,
    /// Per book, each material's imports in date order (the average import price of a
    /// domestic sale).
    Imports = 4,
    /// Per book, the verification lists and where each stands with customs (customs' answers
    /// for the whole book — write-offs, cycle openings — are in the base).
    Lists = 5,
    /// Per book, the work orders (materials issued, finished goods and scrap returned): one
    /// in fifty lines of a busy book, so not in the base every command reads; `exposure` and
    /// writing read them.
    WorkOrders = 8,
    /// Per book, each material's import lots before the book's split (the import lots part
    /// holds those from the split on, and the date of the latest before it): read by a
    /// valuation that reaches back further — a sale early in a cycle that began before the
    /// split, a material not imported since.
    LotHistory = 9,
}

impl Part {
    /// Every part, in the order they are written.
    pub const ALL: [Part; 9] = [
        Part::Base,
        Part::Stock,
        Part::History,
        Part::Kept,
        Part::Records,
        Part::Imports,
        Part::LotHistory,
        Part::Lists,
        Part::WorkOrders,
    ];

    /// The part's id in the snapshot file.
    pub fn id(self) -> u32 {
        self as u32
    }

    pub fn from_id(id: u32) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Part::Base => "base",
            Part::Stock => "stock",
            Part::History => "stock history",
            Part::Kept => "lines kept whole",
            Part::Records => "line records",
            Part::Imports => "import lots",
            Part::Lists => "verification lists",
            Part::WorkOrders => "work orders",
            Part::LotHistory => "import lots' history",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of parts. The base is always in a state; the line records need the lines kept whole
/// (their list numbers), the stock history the stock: [`Parts::to_read`] adds what a set
/// needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts(u16);

impl Parts {
    /// No part.
    pub const NONE: Parts = Parts(0);

    /// Every part: what deciding and folding events need.
    pub fn all() -> Parts {
        Part::ALL.into_iter().fold(Parts::NONE, Parts::with)
    }

    /// The base alone.
    pub fn base() -> Parts {
        Parts::NONE.with(Part::Base)
    }

    /// This set and `part`.
    pub fn with(self, part: Part) -> Parts {
        Parts(self.0 | part.bit())
    }

    /// The parts of either set.
    pub fn union(self, other: Parts) -> Parts {
        Parts(self.0 | other.0)
    }

    /// The parts to read for this set: the base, the lines kept whole with the records, the
    /// stock with its history.
    pub fn to_read(self) -> Parts {
        let mut out = self.with(Part::Base);
        if out.contains(Part::Records) {
            out = out.with(Part::Kept);
        }
        if out.contains(Part::History) {
            out = out.with(Part::Stock);
        }
        if out.contains(Part::LotHistory) {
            out = out.with(Part::Imports);
        }
        out
    }

    pub fn contains(self, part: Part) -> bool {
        self.0 & part.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The parts of `self` not in `other`.
    pub fn without(self, other: Parts) -> Parts {
        Parts(self.0 & !other.0)
    }

    /// The parts in the order they are written.
    pub fn iter(self) -> impl Iterator<Item = Part> {
        Part::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_read_back() {
        for p in Part::ALL {
            assert_eq!(Part::from_id(p.id()), Some(p));
        }
        assert_eq!(Part::from_id(0), None);
        assert_eq!(Part::from_id(10), None);
    }

    #[test]
    fn the_records_bring_the_lines_kept_whole_and_the_base_is_always_read() {
        let s = Parts::NONE.with(Part::Records).to_read();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [Part::Base, Part::Kept, Part::Records]
        );
        assert_eq!(
            Parts::NONE
                .with(Part::Imports)
                .to_read()
                .iter()
                .collect::<Vec<_>>(),
            [Part::Base, Part::Imports]
        );
        assert_eq!(Parts::all().iter().count(), 9);
        assert_eq!(
            Parts::all().without(s).iter().collect::<Vec<_>>(),
            [
                Part::Stock,
                Part::History,
                Part::Imports,
                Part::LotHistory,
                Part::Lists,
                Part::WorkOrders
            ]
        );
        assert_eq!(
            Parts::NONE
                .with(Part::LotHistory)
                .to_read()
                .iter()
                .collect::<Vec<_>>(),
            [Part::Base, Part::Imports, Part::LotHistory]
        );
        assert_eq!(
            Parts::NONE
                .with(Part::History)
                .to_read()
                .iter()
                .collect::<Vec<_>>(),
            [Part::Base, Part::Stock, Part::History]
        );
        assert!(Parts::all().without(Parts::all()).is_empty());
        assert!(!Parts::base().contains(Part::Kept));
        let stock = Parts::NONE.with(Part::Stock);
        assert_eq!(
            stock.union(s).iter().collect::<Vec<_>>(),
            [Part::Base, Part::Stock, Part::Kept, Part::Records]
        );
        assert_eq!(stock.union(Parts::NONE), stock);
    }
}
