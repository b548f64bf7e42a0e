//! Cold commands: a new `bonded` process per command, as a user runs it — `balance`, `duty`,
//! `deadlines`, `cycle report` and a `load` of one month's file — each timed from start to
//! exit with its peak resident memory (the child's `ru_maxrss`), once replaying the whole log
//! (no snapshot) and once from the snapshot (`bonded rebuild` writes it, also timed).
//!
//! The reads run on the benchmark's store (left with its snapshot); each load on a copy of it,
//! so the store the other phases measured keeps its events.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::generator::{Rng, Shape, ACCOUNT};
use super::say;

/// One cold command's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColdRun {
    /// The command, e.g. `balance`.
    pub command: String,
    /// Whether it started from the snapshot.
    pub snapshot: bool,
    pub secs: f64,
    pub peak_bytes: Option<u64>,
}

/// Every cold figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cold {
    pub runs: Vec<ColdRun>,
    /// `bonded rebuild`: the whole log replayed and the snapshot written.
    pub rebuild_secs: f64,
    pub snapshot_bytes: u64,
    /// Lines of the month's file loaded.
    pub month_lines: usize,
}

/// A month's file: `lines` imports (0615 I M) of the workload's materials on the last day of
/// its decade, in lists of five lines — about what a month of the workload imports.
fn month_file(lines: usize, seed: u64) -> String {
    let shape = Shape::default();
    let date = shape.end();
    let mut rng = Rng::new(seed ^ 0xC01D);
    let mut csv =
        String::from("ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n");
    for i in 0..lines {
        let item = rng.range(1, u64::from(shape.materials));
        let qty = rng.range(2_000, 60_000);
        csv.push_str(&format!(
            "COLD-{},{},{date},{ACCOUNT},0615,I,M,{qty},{item},1.5,USD\n",
            i / 5,
            i % 5 + 1
        ));
    }
    csv
}

/// Runs `bonded --data DIR ARGS…` (this binary) with `env`, output discarded; its wall time and
/// peak resident memory. Fails when it does not exit 0.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(f64, Option<u64>)> {
    let exe = std::env::current_exe().context("finding the bonded binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--data")
        .arg(dir)
        .args(["--actor", "bench", "--format", "json"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let t = Instant::now();
    let child = cmd.spawn().context("starting bonded")?;
    let (ok, peak) = wait_with_peak(child)?;
    let secs = t.elapsed().as_secs_f64();
    if !ok {
        bail!("`bonded {}` failed", args.join(" "));
    }
    Ok((secs, peak))
}

/// Waits for `child`; whether it exited 0, and its peak resident memory (Linux: `wait4`'s
/// `ru_maxrss`, in KiB).
#[cfg(unix)]
fn wait_with_peak(child: std::process::Child) -> Result<(bool, Option<u64>)> {
    let pid = i32::try_from(child.id()).context("a process id")?;
    let mut status = 0i32;
    // SAFETY: `rusage` is plain data the kernel fills in; `pid` is our own child, waited once
    // (the `Child` is dropped without being waited again).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    drop(child);
    if got != pid {
        bail!("waiting for bonded: {}", std::io::Error::last_os_error());
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((ok, u64::try_from(usage.ru_maxrss).ok().map(|k| k * 1024)))
}

#[cfg(not(unix))]
fn wait_with_peak(mut child: std::process::Child) -> Result<(bool, Option<u64>)> {
    Ok((child.wait()?.success(), None))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The cold figures on the store in `root/ledger` (module doc).
pub fn measure(root: &Path, events: u64, seed: u64) -> Result<Cold> {
    let store = root.join("ledger");
    let copy = root.join("cold-load");
    let shape = Shape::default();
    let end = shape.end().to_string();
    let month = end.get(..7).unwrap_or_default().to_string();
    // The last cycle's report, as the in-process benchmark times it: the one a factory
    // declares (the book's cycles are never closed, so without `--cycle` it would be the
    // first).
    let last_cycle =
        ledger_core::model::book::cycle_of(shape.start(), Shape::CYCLE_MONTHS, shape.end())
            .number
            .to_string();
    let reads: [(&str, Vec<&str>); 4] = [
        (
            "balance",
            vec!["balance", "--account", ACCOUNT, "--as-of", &end],
        ),
        (
            "duty",
            vec!["duty", "--account", ACCOUNT, "--month", &month],
        ),
        (
            "deadlines",
            vec!["deadlines", "--account", ACCOUNT, "--as-of", &end],
        ),
        (
            "cycle report",
            vec![
                "cycle",
                "report",
                "--account",
                ACCOUNT,
                "--cycle",
                &last_cycle,
            ],
        ),
    ];
    let month_lines = usize::try_from(events / 120).unwrap_or(8_000).max(100);
    let file = root.join("cold-month.csv");
    std::fs::write(&file, month_file(month_lines, seed)).context("writing the month's file")?;
    let file = file.display().to_string();
    ledger_store::snapshot::remove_snapshot(&store).context("removing a snapshot")?;
    let _ = super::measure::read_through(&store);
    let no_snapshot = [("BONDED_SNAPSHOT_EVERY", "0")];
    let mut runs = Vec::new();
    say("cold commands, each a new process, replaying the whole log");
    for (name, args) in &reads {
        let (secs, peak_bytes) = run(&store, args, &no_snapshot)?;
        runs.push(ColdRun {
            command: name.to_string(),
            snapshot: false,
            secs,
            peak_bytes,
        });
    }
    let load = |snapshot: bool, env: &[(&str, &str)]| -> Result<ColdRun> {
        if copy.exists() {
            std::fs::remove_dir_all(&copy).context("removing the load's copy")?;
        }
        copy_dir(&store, &copy)?;
        let _ = super::measure::read_through(&copy);
        let (secs, peak_bytes) = run(&copy, &["load", &file], env)?;
        std::fs::remove_dir_all(&copy).context("removing the load's copy")?;
        Ok(ColdRun {
            command: format!("load ({month_lines} lines)"),
            snapshot,
            secs,
            peak_bytes,
        })
    };
    runs.push(load(false, &no_snapshot)?);
    say("bonded rebuild: the snapshot written from a full replay");
    let (rebuild_secs, _) = run(&store, &["rebuild"], &[])?;
    let snapshot_bytes = std::fs::metadata(store.join(ledger_store::snapshot::SNAPSHOT_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    say("cold commands, each a new process, from the snapshot");
    for (name, args) in &reads {
        let (secs, peak_bytes) = run(&store, args, &[])?;
        runs.push(ColdRun {
            command: name.to_string(),
            snapshot: true,
            secs,
            peak_bytes,
        });
    }
    runs.push(load(true, &[])?);
    Ok(Cold {
        runs,
        rebuild_secs,
        snapshot_bytes,
        month_lines,
    })
}
