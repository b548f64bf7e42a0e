//! `bonded serve`: the multi-user HTTP API (axum on tokio).
//!
//! - One writer ([`writer`]) owns appends to the log: requests reach it on a bounded channel,
//!   it decides each against the running state in order and appends everything a round of
//!   requests gave as one durable batch (one fsync), then answers them. Group commit: the more
//!   clients, the more requests share a sync.
//! - Reads ([`routes`]) use the shared state ([`state::Shared`]), which holds only durable
//!   events: the writer folds a round into it after the append returned.
//! - Who may do what ([`auth`]): a bearer token, looked up by its SHA-256 among the users of the
//!   store; the role decides the routes. Every event's actor is the caller.
//! - `/openapi.json` is generated from the handlers' annotations ([`openapi`]).

pub mod auth;
pub mod bench;
mod body;
mod client;
pub mod connections;
mod error;
mod history;
mod history_index;
mod openapi;
mod routes;
mod state;
pub mod web;
mod writer;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::cli::ServeArgs;
use crate::exit::bad_input;
use crate::session;

/// The largest request body.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most lines (CSV rows, JSON lines) in one request.
pub const MAX_REQUEST_LINES: usize = 20_000;
/// How long a request may take, queueing for the writer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests waiting for the writer; past that, senders wait (back-pressure).
pub const WRITER_QUEUE: usize = 1024;
/// Worker threads of the runtime (the writer has its own thread).
const WORKER_THREADS: usize = 2;

/// `bonded serve --listen ADDR`: serves until interrupted (Ctrl-C or SIGTERM).
pub fn run(dir: &Path, args: &ServeArgs) -> Result<()> {
    let addr: SocketAddr = args.listen.trim().parse().map_err(|_| {
        bad_input(format!(
            "--listen {:?}: not an address and port (like 127.0.0.1:8080)",
            args.listen
        ))
    })?;
    web::set_secure_cookies(args.secure_cookies);
    let runtime = runtime()?;
    let limits = connections::Limits {
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        header_timeout: Duration::from_secs(args.idle_timeout),
        ..connections::Limits::default()
    };
    let server = Server::start(dir, addr, limits, &runtime)?;
    // Who holds the store, for a command that finds it locked: removed when this ends. A
    // store on PostgreSQL is not locked (several servers share it): nothing to write.
    let _serve_file = if session::store::on_postgres() {
        None
    } else {
        ServeFile::write(dir, server.addr)
    };
    println!("listening on http://{}", server.addr);
    let _ = std::io::stdout().flush();
    eprintln!("{}", server.summary);
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
    };
    runtime.block_on(shutdown);
    eprintln!("bonded serve: stopping");
    server.stop(&runtime)
}

/// Saves the state at a graceful stop (the next `serve` or command starts from it), unless
/// `verify` found the log damaged or nothing was added since the snapshot on disk.
fn save_state(log: &RwLock<session::store::Log>, shared: &RwLock<state::Shared>) {
    let shared = state::read(shared);
    let log = state::read(log);
    let Some(dir) = session::snapshot::dir_of(&log) else {
        return;
    };
    if shared.fault.is_some() || shared.position.seq == 0 {
        return;
    }
    let on_disk = ledger_store::snapshot::open_snapshot(&dir)
        .ok()
        .flatten()
        .map(|s| s.header.seq);
    if on_disk == Some(shared.position.seq) {
        return;
    }
    if let Err(e) = session::snapshot::write(&*log, &dir, &shared.ledger, &shared.position) {
        eprintln!("bonded serve: the state was not saved (the next start replays the log): {e:#}");
    }
}

/// The store's [`session::SERVE_FILE`] while `bonded serve` runs: its process id and address,
/// so a command that finds the store locked can say who holds it and where it answers.
/// Removed when dropped (a server killed outright leaves it: it is read only when its pid is
/// the one holding the store's lock).
struct ServeFile(std::path::PathBuf);

impl ServeFile {
    fn write(dir: &Path, addr: SocketAddr) -> Option<ServeFile> {
        let path = dir.join(session::SERVE_FILE);
        let text = format!("{}\nhttp://{addr}\n", std::process::id());
        match std::fs::write(&path, text) {
            Ok(()) => Some(ServeFile(path)),
            Err(e) => {
                eprintln!("bonded serve: cannot write {}: {e}", path.display());
                None
            }
        }
    }
}

impl Drop for ServeFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("bonded-serve")
        .enable_all()
        .build()
        .context("cannot start the server's runtime")
}

/// A running server: its address, and what stops it.
pub(crate) struct Server {
    pub addr: SocketAddr,
    pub summary: String,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    writer: std::thread::JoinHandle<()>,
    /// The database connections (PostgreSQL), held here so that they are closed last, on this
    /// thread: the `postgres` client closes its connection by blocking on a runtime of its own,
    /// which must not happen on one of the server's async workers. The log is also the one
    /// whose state is saved (snapshot, sled stores) when the server stops.
    connections: (
        Arc<RwLock<session::store::Log>>,
        Option<Arc<ledger_store::PgHead>>,
    ),
    /// The state, to save when the server stops.
    shared: Arc<RwLock<state::Shared>>,
}

impl Server {
    /// Opens the store (taking its lock), replays it, binds `addr` and starts serving on
    /// `runtime`.
    pub fn start(
        dir: &Path,
        addr: SocketAddr,
        limits: connections::Limits,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Self> {
        let log = session::open_store(dir)?;
        // On PostgreSQL other servers may append to the same log: a connection of its own
        // reads the head before each request (`state::catch_up`).
        let head = match session::store::location(dir) {
            session::store::Location::Postgres(url) => Some(Arc::new(
                ledger_store::PgHead::connect(&url)
                    .with_context(|| format!("cannot open the store at {}", log.describe()))?,
            )),
            session::store::Location::Dir(_) => None,
        };
        let shared = state::load(&log)?;
        let summary = format!(
            "bonded serve: {} events, {} books, {} users{}",
            shared.ledger.event_count(),
            shared.ledger.books.len(),
            shared.ledger.users.len(),
            if shared.ledger.users.is_empty() {
                " — nobody can sign in: add users with `bonded user add` (stop the server first)"
            } else {
                ""
            }
        );
        let working = shared.ledger.clone();
        let log = Arc::new(RwLock::new(log));
        let shared = Arc::new(RwLock::new(shared));
        let (jobs, rx) = tokio::sync::mpsc::channel(WRITER_QUEUE);
        let writer = writer::spawn(log.clone(), shared.clone(), working, rx)?;
        history_index::build_in_background(log.clone(), shared.clone());
        let connections = (log.clone(), head.clone());
        let app_state = state::AppState {
            shared: shared.clone(),
            log,
            head,
            jobs,
            openapi: Arc::new(std::sync::OnceLock::new()),
        };
        let app = routes::app(app_state);
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .with_context(|| format!("cannot listen on {addr}"))?;
        let addr = listener
            .local_addr()
            .with_context(|| format!("cannot read the address bound for {addr}"))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.spawn(connections::serve(listener, app, limits, async move {
            let _ = stopped.await;
        }));
        Ok(Server {
            addr,
            summary,
            stop,
            serving,
            writer,
            connections,
            shared,
        })
    }

    /// Whether the history index of what was loaded at start is built (or the log found
    /// damaged while building it): histories then read only their own records.
    pub fn history_indexed(&self) -> bool {
        let shared = state::read(&self.shared);
        shared.history.missing().is_none() || shared.fault.is_some()
    }

    /// Stops accepting, lets requests in flight finish, then stops the writer (which releases
    /// the store).
    pub fn stop(self, runtime: &tokio::runtime::Runtime) -> Result<()> {
        let _ = self.stop.send(());
        let served = runtime.block_on(self.serving);
        // Every request handle (and its sender to the writer) is gone now: the writer ends.
        self.writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread stopped abnormally"))?;
        save_state(&self.connections.0, &self.shared);
        drop(self.connections);
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e).context("the server stopped with an error"),
            Err(e) => Err(anyhow::anyhow!("the server task failed: {e}")),
        }
    }
}
