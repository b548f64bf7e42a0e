//! `bonded bench-serve`: a bounded load run of `bonded serve` on loopback. It builds a
//! throw-away store with one book, one material and one clerk, starts the server in this
//! process on a free loopback port, and for each number of clients sends a fixed count of
//! requests (imports, `--lines` per request), each client on its own connection, one request
//! at a time. It prints requests per second and the p50/p99 latency per level.
//!
//! With `--store postgres://…` (an empty database) the store is made there, and `--servers N`
//! starts N servers on it, each with its own log connection, state and writer, as N
//! `bonded serve` processes would be: the clients are shared among them in turn.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ledger_core::events::commands::Command;
use ledger_core::model::book::{BookHeader, Level};
use ledger_core::model::review::Role;
use ledger_core::model::trade_mode::BookKind;

use super::client::Client;
use super::{runtime, Server, MAX_REQUEST_LINES};
use crate::cli::BenchServeArgs;
use crate::exit::bad_input;

const ACCOUNT: &str = "E44038000001";
const ITEMS_CSV: &str = "account,goods,item,hs,name,unit,price,currency\n\
E44038000001,M,1,8542310000,Chip A,PCS,1.5,USD\n";

/// A store directory removed when dropped.
struct TempStore(PathBuf);

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one concurrency level measured.
struct Measured {
    clients: usize,
    requests: usize,
    errors: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

pub fn run(args: &BenchServeArgs) -> Result<()> {
    let levels: Vec<usize> = args
        .clients
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| match c.parse::<usize>() {
            Ok(n) if (1..=256).contains(&n) => Ok(n),
            _ => Err(bad_input(format!(
                "--clients: {c:?} is not a number of clients from 1 to 256"
            ))),
        })
        .collect::<Result<_>>()?;
    if levels.is_empty() {
        return Err(bad_input(
            "--clients: give at least one number, like 1,4,16",
        ));
    }
    if args.requests == 0 || args.requests > 1_000_000 {
        return Err(bad_input("--requests: from 1 to 1,000,000"));
    }
    let lines = args.lines as usize;
    if lines == 0 || lines > MAX_REQUEST_LINES {
        return Err(bad_input(format!(
            "--lines: from 1 to {MAX_REQUEST_LINES} per request"
        )));
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let store = TempStore(
        std::env::temp_dir().join(format!("bonded-bench-serve-{}-{nanos}", std::process::id())),
    );
    if args.servers > 1 && !crate::session::store::on_postgres() {
        return Err(bad_input(
            "--servers: more than one server needs a store on PostgreSQL (--store \
             postgres://…, an empty database): a sled store is held by one process",
        ));
    }
    let token = prepare(&store.0)?;
    let rt = runtime()?;
    let servers = (0..args.servers)
        .map(|_| {
            Server::start(
                &store.0,
                "127.0.0.1:0".parse()?,
                super::connections::Limits::default(),
                &rt,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let place = crate::session::store::location(&store.0).describe();
    println!(
        "bonded bench-serve: {} requests of {lines} import line(s) per level, each client on its \
         own connection, {} server(s) on {} (store in {place})",
        args.requests,
        addrs.len(),
        addrs
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    );
    println!(
        "{:>7} {:>9} {:>8} {:>10} {:>10} {:>9} {:>9} {:>11} {:>7}",
        "clients",
        "requests",
        "seconds",
        "req/s",
        "lines/s",
        "p50 ms",
        "p99 ms",
        "req/append",
        "errors"
    );
    let mut results = Vec::new();
    let mut probes: Vec<Client> = addrs.iter().map(|a| Client::new(*a)).collect();
    for (round, &clients) in levels.iter().enumerate() {
        let appends_before = appends(&mut probes)?;
        let level = drive(
            &addrs,
            &token,
            round,
            clients,
            args.requests as usize,
            lines,
        )?;
        let batches = appends(&mut probes)?.saturating_sub(appends_before).max(1);
        let secs = level.elapsed.as_secs_f64().max(1e-9);
        println!(
            "{:>7} {:>9} {:>8.2} {:>10.0} {:>10.0} {:>9.2} {:>9.2} {:>11.1} {:>7}",
            level.clients,
            level.requests,
            secs,
            level.requests as f64 / secs,
            (level.requests * lines) as f64 / secs,
            level.p50.as_secs_f64() * 1000.0,
            level.p99.as_secs_f64() * 1000.0,
            level.requests as f64 / batches as f64,
            level.errors
        );
        results.push(level);
    }
    if addrs.len() > 1 {
        let redecided = health_sum(&mut probes, "redecided")?;
        println!("rounds decided again after another server appended first: {redecided}");
    }
    for server in servers {
        server.stop(&rt)?;
    }
    if results.iter().any(|l| l.errors > 0) {
        anyhow::bail!("some requests failed (see the errors column)");
    }
    Ok(())
}

/// Durable appends so far, of every server, from `/health`.
fn appends(clients: &mut [Client]) -> Result<u64> {
    health_sum(clients, "appends")
}

/// A count of `/health`, summed over the servers.
fn health_sum(clients: &mut [Client], key: &str) -> Result<u64> {
    let mut sum = 0;
    for client in clients {
        let r = client.send("GET", "/health", &[], b"")?;
        let v: serde_json::Value = serde_json::from_slice(&r.body)?;
        sum += v[key]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .with_context(|| format!("/health says no {key}"))?;
    }
    Ok(sum)
}

/// A store with the book, its material and a clerk; the clerk's token.
fn prepare(dir: &std::path::Path) -> Result<String> {
    let mut s = crate::commands::admin::create_store(dir, "bench")?;
    s.execute(Command::OpenBook(BookHeader {
        account: ACCOUNT.parse().map_err(|e| anyhow::anyhow!("{e}"))?,
        company: "4403960001".parse().map_err(|e| anyhow::anyhow!("{e}"))?,
        kind: BookKind::Purchased,
        level: Level::Item,
        capacity_usd: rust_decimal::Decimal::from(1_000_000_000_000i64),
        cycle_start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).context("a date")?,
        cycle_months: 12,
        headings: Vec::new(),
    }))?;
    let tables = crate::commands::load::tables_from_bytes(&[(
        "items.csv".to_string(),
        ITEMS_CSV.as_bytes().to_vec(),
    )])?;
    crate::commands::load::load_tables(&mut s, tables)?;
    let token = super::auth::new_token()?;
    s.execute(Command::AddUser {
        name: "bench-clerk".into(),
        role: Role::Clerk,
        token_sha256: super::auth::token_sha256(&token),
        books: None,
    })?;
    Ok(token)
}

fn drive(
    addrs: &[SocketAddr],
    token: &str,
    round: usize,
    clients: usize,
    requests: usize,
    lines: usize,
) -> Result<Measured> {
    let auth = format!("Bearer {token}");
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let share = requests / clients + usize::from(c < requests % clients);
            let auth = auth.clone();
            let addr = addrs[c % addrs.len()];
            std::thread::spawn(move || {
                let mut client = Client::new(addr);
                let mut latencies = Vec::with_capacity(share);
                let mut errors = 0usize;
                for r in 0..share {
                    let mut body = String::new();
                    for l in 1..=lines {
                        body.push_str(&format!(
                            "{{\"ref\":\"B{round}-{c}-{r}\",\"line\":{l},\"date\":\"2025-03-01\",\
                             \"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"I\",\
                             \"goods\":\"M\",\"qty\":\"1\",\"item\":\"1\"}}\n"
                        ));
                    }
                    let t = Instant::now();
                    let response = client.send(
                        "POST",
                        &format!("/books/{ACCOUNT}/movements"),
                        &[
                            ("Authorization", auth.as_str()),
                            ("Content-Type", "application/x-ndjson"),
                        ],
                        body.as_bytes(),
                    );
                    latencies.push(t.elapsed());
                    match response {
                        Ok(r) if r.status == 200 => {}
                        Ok(r) => {
                            errors += 1;
                            if errors == 1 {
                                eprintln!("request failed: {} {}", r.status, r.text());
                            }
                        }
                        Err(e) => {
                            errors += 1;
                            if errors == 1 {
                                eprintln!("request failed: {e}");
                            }
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    for h in handles {
        let (l, e) = h
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread failed"))?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| -> Duration {
        if latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i]
    };
    Ok(Measured {
        clients,
        requests,
        errors,
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
    })
}
