//! `bonded copy --from SRC --to DST`: a store moved between backends (sled directory or
//! PostgreSQL URL, either way), as an export and a restore without the file between them.
//! Every record read is re-hashed and chained (`scan`), every record written is checked to
//! continue the new store's chain (`import`), and the new store is verified whole at the end.

use anyhow::Result;
use ledger_store::{EventLog, StoredEvent, RESTORE_CHUNK_EVENTS};

use crate::cli::CopyArgs;
use crate::exit::{Exit, INTEGRITY, OTHER};
use crate::session::store::{self, Location};

pub fn run(args: &CopyArgs) -> Result<()> {
    let from = Location::parse(&args.from);
    let to = Location::parse(&args.to);
    if from == to {
        return Err(crate::exit::bad_input(
            "--from and --to name the same store",
        ));
    }
    let source = store::open_at(&from)?;
    let mut dest = store::create_at(&to)?;
    let failed = |copied: u64, e: ledger_store::StoreError| -> anyhow::Error {
        Exit {
            code: if crate::commands::admin::is_integrity_deep(&e) {
                INTEGRITY
            } else {
                OTHER
            },
            message: format!(
                "copy from {} to {} stopped: {e}; the new store holds the first {copied} events \
                 and is not a copy: remove it before trying again",
                from.describe(),
                to.describe()
            ),
        }
        .into()
    };
    let mut chunk: Vec<StoredEvent> = Vec::with_capacity(RESTORE_CHUNK_EVENTS);
    let mut copied = 0u64;
    for item in source.scan(1) {
        chunk.push(item.map_err(|e| failed(copied, e))?);
        if chunk.len() == RESTORE_CHUNK_EVENTS {
            let n = chunk.len() as u64;
            dest.import(std::mem::take(&mut chunk))
                .map_err(|e| failed(copied, e))?;
            copied += n;
        }
    }
    let n = chunk.len() as u64;
    dest.import(chunk).map_err(|e| failed(copied, e))?;
    copied += n;
    let report = dest.verify().map_err(|e| failed(copied, e))?;
    if report.head != source.head() {
        return Err(failed(
            copied,
            ledger_store::StoreError::Corrupt {
                seq: report.head.seq,
                what: "the new store's head is not the source's".to_string(),
            },
        ));
    }
    println!(
        "copied {copied} events from {} to {}; head {} {}",
        source.describe(),
        dest.describe(),
        report.head.seq,
        ledger_store::hash_hex(&report.head.hash)
    );
    Ok(())
}
