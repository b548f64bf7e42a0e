//! The ten kinds of CSV file and their columns (CONTRACT.md, "CSV files").

use std::fmt;

/// Which kind of CSV file a table is; its header row says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Items,
    Bom,
    Movements,
    Corrections,
    Openings,
    Stocktake,
    Workorders,
    Fx,
    Tariff,
    Interest,
    Prices,
}

impl FileKind {
    /// Every kind, in the order of the contract.
    pub const ALL: [FileKind; 11] = [
        FileKind::Items,
        FileKind::Bom,
        FileKind::Movements,
        FileKind::Corrections,
        FileKind::Openings,
        FileKind::Stocktake,
        FileKind::Workorders,
        FileKind::Fx,
        FileKind::Tariff,
        FileKind::Interest,
        FileKind::Prices,
    ];

    /// The kind's name, as written after `--kind` and in file names.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Items => "items",
            FileKind::Bom => "bom",
            FileKind::Movements => "movements",
            FileKind::Corrections => "corrections",
            FileKind::Openings => "openings",
            FileKind::Stocktake => "stocktake",
            FileKind::Workorders => "workorders",
            FileKind::Fx => "fx",
            FileKind::Tariff => "tariff",
            FileKind::Interest => "interest",
            FileKind::Prices => "prices",
        }
    }

    /// The kind named `s` (case and surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<FileKind> {
        let s = s.trim();
        FileKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
    }

    /// The columns a file of this kind must have, in the contract's order.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            FileKind::Items => &["account", "goods", "item", "hs", "name", "unit"],
            FileKind::Bom => &["account", "product", "material", "version", "net"],
            FileKind::Movements => &[
                "ref", "line", "date", "account", "mode", "dir", "goods", "qty",
            ],
            FileKind::Corrections => &["ref", "line", "account", "reason"],
            FileKind::Openings => &["account", "date", "item", "qty"],
            FileKind::Stocktake => &["account", "date", "item", "qty"],
            FileKind::Workorders => &[
                "account", "order", "date", "product", "produced", "material", "issued",
            ],
            FileKind::Fx => &["month", "currency", "cny_per_unit"],
            FileKind::Tariff => &["hs", "from", "duty_pct", "vat_pct"],
            FileKind::Interest => &["from", "annual_pct"],
            FileKind::Prices => &["account", "item", "date", "unit_price", "currency"],
        }
    }

    /// The columns a file of this kind may have.
    pub fn optional(self) -> &'static [&'static str] {
        match self {
            FileKind::Items => &[
                "spec",
                "price",
                "currency",
                "parts",
                "unit_code",
                "lawf_unit",
                "lawf_factor",
                "secd_lawf_unit",
                "secd_factor",
                "wt_factor",
                "origin",
            ],
            FileKind::Bom => &["tangible_loss_pct", "intangible_loss_pct", "bonded_pct"],
            FileKind::Movements => &[
                "item",
                "part",
                "unit_price",
                "currency",
                "incoterm",
                "freight",
                "insurance",
                "bom_version",
                "peer_account",
                "subcontractor",
                "country",
                "port",
                "transport",
                "lawf_qty",
                "secd_lawf_qty",
                "gross_wt",
                "net_wt",
            ],
            FileKind::Corrections => &[],
            FileKind::Openings => &["unit_price", "currency"],
            FileKind::Stocktake => &["goods"],
            FileKind::Workorders => &["scrap_item", "scrap_qty"],
            FileKind::Fx => &[],
            FileKind::Tariff => &["consumption_pct"],
            FileKind::Interest | FileKind::Prices => &[],
        }
    }

    /// The kind's column named `column` (required or optional), as a static name.
    pub(crate) fn column(self, column: &str) -> Option<&'static str> {
        self.required()
            .iter()
            .chain(self.optional())
            .copied()
            .find(|c| *c == column)
    }

    /// Whether a file whose lower-cased stem is `stem` is named as this kind:
    /// the stem contains the kind's name (or a Chinese name for it).
    pub(crate) fn named_in(self, stem: &str) -> bool {
        let chinese: &[&str] = match self {
            FileKind::Openings => &["期初"],
            FileKind::Stocktake => &["盘点"],
            _ => &[],
        };
        stem.contains(self.name()) || chinese.iter().any(|c| stem.contains(c))
    }

    /// "a" or "an", for messages.
    pub(crate) fn article(self) -> &'static str {
        match self.name().as_bytes().first() {
            Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
            _ => "a",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `column` is a column of any kind.
pub(crate) fn is_known_column(column: &str) -> bool {
    FileKind::ALL.iter().any(|k| k.column(column).is_some())
}

/// The first of the columns of any kind named `column`, as a static name.
pub(crate) fn static_column(column: &str) -> Option<&'static str> {
    FileKind::ALL.iter().find_map(|k| k.column(column))
}

/// "items, bom, movements, …", every kind's name.
pub(crate) fn all_names() -> String {
    FileKind::ALL
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::parse(k.name()), Some(k));
            assert_eq!(FileKind::parse(&k.name().to_uppercase()), Some(k));
            assert_eq!(k.to_string(), k.name());
        }
        assert_eq!(FileKind::parse(" Stocktake "), Some(FileKind::Stocktake));
        assert_eq!(FileKind::parse("stock"), None);
        assert_eq!(FileKind::parse(""), None);
    }

    #[test]
    fn columns_are_distinct_within_a_kind() {
        for k in FileKind::ALL {
            let mut all: Vec<&str> = k.required().iter().chain(k.optional()).copied().collect();
            let n = all.len();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), n, "{k} repeats a column");
        }
    }

    #[test]
    fn articles() {
        assert_eq!(FileKind::Items.article(), "an");
        assert_eq!(FileKind::Openings.article(), "an");
        assert_eq!(FileKind::Interest.article(), "an");
        assert_eq!(FileKind::Movements.article(), "a");
    }

    #[test]
    fn file_names() {
        assert!(FileKind::Stocktake.named_in("stocktake-2025"));
        assert!(FileKind::Stocktake.named_in("2025年盘点"));
        assert!(FileKind::Openings.named_in("期初余额"));
        assert!(!FileKind::Openings.named_in("stocktake"));
    }
}
