//! The CSV layer never panics, whatever bytes it is given: a whole file of arbitrary bytes, or
//! a known header followed by arbitrary rows (which gets past kind detection into the cells).
//! Every row it cannot read is a located error, never a crash.

use proptest::prelude::*;

use crate::input::{read_table_bytes, FileKind};

/// The contract's header of every kind of file.
const HEADERS: [&str; 10] = [
    "account,goods,item,hs,name,unit,spec,price,currency,parts",
    "account,product,material,version,net,tangible_loss_pct,intangible_loss_pct,bonded_pct",
    "ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency,incoterm,freight,insurance,bom_version,peer_account,subcontractor",
    "ref,line,account,reason",
    "account,date,item,qty,unit_price,currency",
    "account,date,item,qty,goods",
    "account,order,date,product,produced,material,issued,scrap_item,scrap_qty",
    "month,currency,cny_per_unit",
    "hs,from,duty_pct,vat_pct,consumption_pct",
    "from,annual_pct",
];

/// Reads a file and turns its rows into commands: every row becomes a command or is named by
/// an error; nothing panics.
fn read(name: &str, bytes: &[u8], forced: Option<FileKind>) -> Result<(), TestCaseError> {
    if let Ok(table) = read_table_bytes(name, bytes, forced) {
        let (commands, errors) = crate::input::rows::commands(&table);
        for row in &table.rows {
            prop_assert!(
                commands.iter().any(|(line, _)| *line == row.line)
                    || errors.iter().any(|e| e.line == row.line),
                "row {} of {:?} is neither a command nor an error",
                row.line,
                String::from_utf8_lossy(bytes)
            );
        }
    }
    Ok(())
}

/// Cells that are nearly right: the values a clerk types, and their near misses.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("E44038000001".to_string()),
        Just("2025-01-31".to_string()),
        Just("0615".to_string()),
        Just("I".to_string()),
        Just("M".to_string()),
        Just("12.5".to_string()),
        Just("-1".to_string()),
        Just("1e400".to_string()),
        Just("99999999999999999999999999999999".to_string()),
        Just("\"quoted, with comma\"".to_string()),
        Just("\"unterminated".to_string()),
        Just("集成电路".to_string()),
        "\\PC{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        read("any.csv", &bytes, None)?;
        read("movements.csv", &bytes, Some(FileKind::Movements))?;
    }

    #[test]
    fn any_rows_under_a_known_header_are_read_or_refused(
        kind in 0usize..HEADERS.len(),
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..20), 0..8),
        tail in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let mut text = String::from(HEADERS[kind]);
        text.push('\n');
        for row in &rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let mut bytes = text.into_bytes();
        bytes.extend(&tail);
        read("file.csv", &bytes, None)?;
        for forced in FileKind::ALL {
            read("file.csv", &bytes, Some(forced))?;
        }
    }
}
