//! Notices: what a file asked for that the ledger does not do, though nothing is wrong with the
//! file — each names its line, and nothing needs fixing. `bonded load` says them on stderr and
//! in its JSON (`"FILE line N: …"`); `bonded serve` puts them in a recording's answer
//! (`notices: [{line, column, code, message}]`) and the workspace shows them, in Chinese or
//! English, on the page of the file recorded. One function finds them for both: [`notices`].

use ledger_core::model::customs_value::{freight_ignored, Incoterm};

use super::{FileKind, Table};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A CFR or CIF line gives freight: its price already holds it, so the freight is left
    /// out of the customs value (DOMAIN.md §3).
    FreightIgnored,
}

impl NoticeKind {
    /// The notice's name in JSON answers (`code`), stable for programs.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::FreightIgnored => "freight_ignored",
        }
    }

    /// The column the notice is about.
    pub fn column(self) -> &'static str {
        match self {
            NoticeKind::FreightIgnored => "freight",
        }
    }

    /// The notice in words (English, as every message of the command line and the API).
    pub fn message(self) -> &'static str {
        match self {
            NoticeKind::FreightIgnored => "freight ignored: CFR/CIF prices include it",
        }
    }
}

/// A notice about one line of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// The physical line (a CSV header is line 1; JSON lines count from 1).
    pub line: u64,
    pub kind: NoticeKind,
}

impl Notice {
    /// The notice as `bonded load` says it: `FILE line N: message`.
    pub fn in_file(&self, file: &str) -> String {
        format!("{file} line {}: {}", self.line, self.kind.message())
    }
}

/// The notices of a file: each movement line whose freight is left out of its customs value
/// because its CFR or CIF price (CIF when no incoterm is given) holds it. A line whose incoterm
/// or freight does not read gets no notice: it is refused, and its error says why.
pub fn notices(table: &Table) -> Vec<Notice> {
    if table.kind != FileKind::Movements {
        return Vec::new();
    }
    table
        .rows
        .iter()
        .filter_map(|row| {
            let incoterm = match row.get("incoterm") {
                None => Incoterm::default(),
                Some(t) => t.parse::<Incoterm>().ok()?,
            };
            let freight = row.get("freight").and_then(|f| f.parse().ok());
            freight_ignored(incoterm, freight).then_some(Notice {
                line: row.line,
                kind: NoticeKind::FreightIgnored,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Row;

    fn table(kind: FileKind, rows: &[&[(&str, &str)]]) -> Table {
        Table {
            file: "f.csv".into(),
            kind,
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row::new(i as u64 + 2, cells))
                .collect(),
            ignored_columns: Vec::new(),
            encoding: crate::input::Encoding::Utf8,
        }
    }

    #[test]
    fn a_cfr_or_cif_lines_freight_is_noticed_and_no_other() {
        let t = table(
            FileKind::Movements,
            &[
                &[("incoterm", "CFR"), ("freight", "80")],
                &[("freight", "20")], // CIF when no incoterm is given
                &[("incoterm", "FOB"), ("freight", "10")],
                &[("incoterm", "CIF"), ("freight", "0")],
                &[("incoterm", "CIF")],
                &[("incoterm", "cif"), ("freight", "5")],
            ],
        );
        let got = notices(&t);
        let lines: Vec<u64> = got.iter().map(|n| n.line).collect();
        assert_eq!(lines, [2, 3, 7]);
        assert_eq!(
            got[0].in_file("f.csv"),
            "f.csv line 2: freight ignored: CFR/CIF prices include it"
        );
        assert_eq!(got[0].kind.code(), "freight_ignored");
        assert_eq!(got[0].kind.column(), "freight");
    }

    #[test]
    fn only_a_movements_file_has_notices() {
        let t = table(
            FileKind::Openings,
            &[&[("incoterm", "CFR"), ("freight", "80")]],
        );
        assert!(notices(&t).is_empty());
    }
}
