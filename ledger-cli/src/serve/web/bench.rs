//! `bonded bench-web`: how long the workspace's pages take at the demo's size, or on a store of
//! one's own (`--on DIR`: the million-event store `bonded bench --dir` keeps). It builds the
//! demo store (`bonded demo`, in a child process so its report stays out of the way) in a
//! throw-away folder, adds a reviewer, starts the server in this process on a free loopback
//! port, signs in through the form, then GETs each page `--requests` times one after another
//! on one kept-alive connection and prints the mean, p50, p99 and max per page.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ledger_core::events::commands::Command;
use ledger_core::model::review::Role;

use crate::serve::auth::{new_token, token_sha256};
use crate::serve::client::Client;
use crate::serve::{runtime, Server};

const ACCOUNT: &str = "E44038000001";

/// The pages measured on another store: the same, at each page's default date and period.
const PAGES_ON: [(&str, &str); 9] = [
    ("sign-in", "/app/sign-in"),
    ("today", "/app"),
    ("book", "/app/books/E44038000001"),
    ("item", "/app/books/E44038000001/items/1"),
    ("duty", "/app/books/E44038000001/duty"),
    ("cycle", "/app/books/E44038000001/cycle"),
    ("exposure", "/app/books/E44038000001/exposure"),
    ("review", "/app/review"),
    ("record", "/app/record"),
];

/// The pages measured, as (name, path).
const PAGES: [(&str, &str); 9] = [
    ("sign-in", "/app/sign-in"),
    ("today", "/app"),
    ("book", "/app/books/E44038000001?as_of=2025-12-31"),
    ("item", "/app/books/E44038000001/items/1"),
    ("duty", "/app/books/E44038000001/duty?month=2025-12"),
    ("cycle", "/app/books/E44038000001/cycle"),
    ("exposure", "/app/books/E44038000001/exposure"),
    ("review", "/app/review"),
    ("record", "/app/record"),
];

/// A store directory removed when dropped.
struct TempStore(PathBuf);

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(requests: u32, on: Option<&Path>) -> Result<()> {
    if requests == 0 || requests > 100_000 {
        return Err(crate::exit::bad_input("--requests: from 1 to 100,000"));
    }
    if let Some(dir) = on {
        let token = add_reviewer(dir, "bench-web")?;
        let rt = runtime()?;
        let started = Instant::now();
        let server = Server::start(
            dir,
            "127.0.0.1:0".parse()?,
            crate::serve::connections::Limits::default(),
            &rt,
        )?;
        let opened = started.elapsed();
        // The pages are measured once the history index of what was loaded is built (a
        // thread of its own after the start): an item's history until then reads its book's.
        while !server.history_indexed() {
            std::thread::sleep(Duration::from_millis(20));
        }
        let indexed = started.elapsed();
        let result = measure(server.addr, &token, requests as usize, &PAGES_ON);
        server.stop(&rt)?;
        return report(
            &format!(
                "the store at {} ({ACCOUNT}; the server opened it in {:.2} s, its history index built after {:.2} s)",
                dir.display(),
                opened.as_secs_f64(),
                indexed.as_secs_f64()
            ),
            requests,
            result?,
        );
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let store = TempStore(
        std::env::temp_dir().join(format!("bonded-bench-web-{}-{nanos}", std::process::id())),
    );
    let token = prepare(&store.0)?;
    let rt = runtime()?;
    let server = Server::start(
        &store.0,
        "127.0.0.1:0".parse()?,
        crate::serve::connections::Limits::default(),
        &rt,
    )?;
    let result = measure(server.addr, &token, requests as usize, &PAGES);
    server.stop(&rt)?;
    report(&format!("the demo store ({ACCOUNT})"), requests, result?)
}

type Rows = Vec<(&'static str, Vec<Duration>, usize)>;

fn report(what: &str, requests: u32, rows: Rows) -> Result<()> {
    println!(
        "bonded bench-web: {what}, {requests} GETs per page in a row, one kept-alive connection"
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "page", "mean ms", "p50 ms", "p99 ms", "max ms", "KiB"
    );
    for (name, times, bytes) in rows {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "{:<10} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.1}",
            name,
            ms(mean),
            ms(at(0.5)),
            ms(at(0.99)),
            ms(at(1.0)),
            bytes as f64 / 1024.0
        );
    }
    Ok(())
}

/// The demo store in `dir`, with a reviewer; their token.
fn prepare(dir: &Path) -> Result<String> {
    let exe = std::env::current_exe().context("cannot find the bonded binary")?;
    let status = std::process::Command::new(exe)
        .arg("--data")
        .arg(dir)
        .arg("demo")
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run bonded demo")?;
    anyhow::ensure!(status.success(), "bonded demo failed ({status})");
    add_reviewer(dir, "bench")
}

/// A reviewer named `name` (with a suffix on a store of one's own, so that runs do not
/// collide) added to the store in `dir`; their token.
fn add_reviewer(dir: &Path, name: &str) -> Result<String> {
    let token = new_token()?;
    let name = match name {
        "bench" => name.to_string(),
        _ => format!("{name}-{}", &token_sha256(&token)[..8]),
    };
    let mut s = crate::session::open(dir, "bench-web")?;
    s.execute(Command::AddUser {
        name,
        role: Role::Reviewer,
        token_sha256: token_sha256(&token),
        books: None,
    })?;
    Ok(token)
}

/// Signs in through the form and times every page.
fn measure(
    addr: SocketAddr,
    token: &str,
    requests: usize,
    pages: &[(&'static str, &'static str)],
) -> Result<Rows> {
    let cookie = sign_in(addr, token)?;
    let mut client = Client::new(addr);
    let headers = [("Cookie", cookie.as_str())];
    let mut rows = Vec::new();
    for &(name, path) in pages {
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for _ in 0..requests {
            let start = Instant::now();
            let r = client.send("GET", path, &headers, b"")?;
            times.push(start.elapsed());
            anyhow::ensure!(r.status == 200, "GET {path}: {} {}", r.status, r.text());
            bytes = r.body.len();
        }
        times.sort();
        rows.push((name, times, bytes));
    }
    Ok(rows)
}

/// `bonded_session=…` from a sign-in through the form (the double-submit token chosen here).
fn sign_in(addr: SocketAddr, token: &str) -> Result<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    let body = format!("csrf=bench&token={token}");
    write!(
        s,
        "POST /app/sign-in HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: bonded_pre=bench\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    raw.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            let v = v.trim();
            (k.eq_ignore_ascii_case("set-cookie") && v.starts_with("bonded_session="))
                .then(|| v.split(';').next().unwrap_or(v).to_string())
        })
        .with_context(|| format!("the sign-in set no session: {raw}"))
}
