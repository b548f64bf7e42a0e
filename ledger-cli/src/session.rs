//! A session on the store: open the log, replay it into the ledger state, append what
//! `decide` produced. The only place the CLI touches the disk's log.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use ledger_core::{Decided, Event, Ledger, SCHEMA_VERSION};
use ledger_store::{
    AppendOutcome, AppendRequest, EventLog, ExpectedVersion, NewEvent, SledLog, StoreError,
};

use crate::exit::{bad_input, Exit, INTEGRITY};

pub struct Session {
    /// Where in the log `ledger` was computed from.
    pub position: Position,
    pub log: SledLog,
    pub ledger: Ledger,
    pub actor: String,
}

/// Events recorded after this instant are left out of the replay (`--as-recorded`).
static RECORDED_CUTOFF: std::sync::OnceLock<chrono::DateTime<chrono::Utc>> =
    std::sync::OnceLock::new();

/// Limits every replay of this process to events recorded by the end of `day` in
/// Asia/Shanghai (UTC+8). For reports only: a session opened this way refuses to write.
pub fn set_recorded_cutoff(day: chrono::NaiveDate) -> Result<()> {
    let next = day.succ_opt().unwrap_or(day);
    let end_utc = next
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - chrono::Duration::hours(8))
        .ok_or_else(|| bad_input("--as-recorded: not a date"))?;
    let _ = RECORDED_CUTOFF.set(end_utc);
    Ok(())
}

fn recorded_by_cutoff(recorded_at: &str) -> bool {
    match RECORDED_CUTOFF.get() {
        None => true,
        Some(cutoff) => chrono::DateTime::parse_from_rfc3339(recorded_at)
            .map(|t| t.with_timezone(&chrono::Utc) < *cutoff)
            .unwrap_or(false),
    }
}

/// Opens the store at `dir`, checking its tail, and replays every event.
pub fn open(dir: &Path, actor: &str) -> Result<Session> {
    let log = open_log(dir)?;
    let (ledger, position) = replay_to(&log)?;
    Ok(Session {
        position,
        log,
        ledger,
        actor: actor.to_string(),
    })
}

/// Opens the log only (no replay), mapping "no store here" to a usage error.
pub fn open_log(dir: &Path) -> Result<SledLog> {
    match SledLog::open(dir) {
        Ok(log) => Ok(log),
        Err(e @ StoreError::NotAStore { .. }) => Err(bad_input(format!(
            "{e}; create one with `bonded init` (or point --data / BONDED_DATA at it)"
        ))),
        Err(e) => Err(e).with_context(|| format!("cannot open the store at {}", dir.display())),
    }
}

/// Folds every stored event into a fresh ledger. An event this version cannot read is an
/// integrity fault: the figures would be wrong without it.
pub fn replay(log: &dyn EventLog) -> Result<Ledger> {
    replay_to(log).map(|(ledger, _)| ledger)
}

/// Where in the log a state was computed from: the last event folded and its hash. Every
/// report ends with it, so an auditor can check the figures against `bonded verify`/`export`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub seq: u64,
    pub hash: String,
}

/// Folds every stored event (up to `--as-recorded`), and says where it stopped.
pub fn replay_to(log: &dyn EventLog) -> Result<(Ledger, Position)> {
    let mut ledger = Ledger::new();
    let mut position = Position {
        seq: 0,
        hash: "0".repeat(64),
    };
    for stored in log.scan(1) {
        let stored = stored?;
        if !recorded_by_cutoff(&stored.recorded_at) {
            // The log is in recording order: nothing after this was recorded earlier.
            break;
        }
        let event: Event = serde_json::from_str(&stored.payload).map_err(|e| Exit {
            code: INTEGRITY,
            message: format!(
                "event {} ({}) cannot be read by this version of bonded: {e}",
                stored.global_seq, stored.kind
            ),
        })?;
        ledger.evolve(stored.id, &event);
        position = Position {
            seq: stored.global_seq,
            hash: stored.hash.clone(),
        };
    }
    Ok((ledger, position))
}

/// Now, as the envelope's recorded-at (the clock lives here, never in the core).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Appends decided events as one durable batch, expecting every stream they touch to be at
/// the version `before` had (nobody else wrote in between).
pub fn append(
    log: &mut dyn EventLog,
    before: &Ledger,
    decided: &[Decided],
    actor: &str,
) -> Result<AppendOutcome> {
    let recorded_at = now_rfc3339();
    let mut expected = BTreeMap::new();
    let mut events = Vec::with_capacity(decided.len());
    for d in decided {
        let stream = d.event.stream().to_string();
        expected
            .entry(stream.clone())
            .or_insert(ExpectedVersion::Exact(before.stream_version(&stream)));
        events.push(NewEvent {
            id: d.id,
            stream,
            kind: d.event.kind().to_string(),
            schema_version: SCHEMA_VERSION,
            actor: actor.to_string(),
            recorded_at: recorded_at.clone(),
            payload: serde_json::to_vec(&d.event).context("encoding an event")?,
        });
    }
    let outcome = log.append(AppendRequest { events, expected })?;
    Ok(outcome)
}

impl Session {
    /// Records `decided` (which `decide` produced against `self.ledger`) and moves the state on.
    pub fn record(&mut self, decided: Vec<Decided>, after: Ledger) -> Result<AppendOutcome> {
        if RECORDED_CUTOFF.get().is_some() {
            return Err(bad_input(
                "--as-recorded shows the store as it was; it cannot record anything",
            ));
        }
        let outcome = append(&mut self.log, &self.ledger, &decided, &self.actor)?;
        self.ledger = after;
        self.position = Position {
            seq: outcome.head.seq,
            hash: outcome
                .head
                .hash
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        };
        Ok(outcome)
    }

    /// Decides and records one command.
    pub fn execute(&mut self, command: ledger_core::commands::Command) -> Result<AppendOutcome> {
        match ledger_core::decide_all(&self.ledger, vec![(0, command)]) {
            Ok((decided, after)) => self.record(decided, after),
            Err(refusals) => {
                let code = refusals
                    .iter()
                    .map(|(_, r)| crate::exit::code_of_refusal(r))
                    .min()
                    .unwrap_or(crate::exit::OTHER);
                let message = refusals
                    .iter()
                    .map(|(_, r)| r.to_string())
                    .collect::<Vec<_>>()
                    .join("\n");
                Err(Exit { code, message }.into())
            }
        }
    }
}
