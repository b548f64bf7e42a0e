//! `bonded serve` under idle and half-sent connections: a client that connects and sends
//! nothing, or sends half a request head, is closed once the idle timeout passes; past the
//! connection cap a client is answered 503 at once; and through it all, and after, the server
//! answers the clients that send whole requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use bonded_tests::Store;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(store: &Store, max_connections: u32, idle_timeout: u32) -> Server {
    let mut cmd = store.command();
    cmd.arg("--data")
        .arg(store.data())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--max-connections", &max_connections.to_string()])
        .args(["--idle-timeout", &idle_timeout.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start bonded serve");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read the first line");
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Server { child, addr }
}

/// What a whole `GET /health` on a new connection is answered with: the status line.
fn health(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply.lines().next().unwrap_or("").to_string()
}

/// Whether the server closes `s` (reads end) before `within` passes.
fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).expect("timeout");
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 or 503 first is fine; the close is what counts
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn idle_and_half_sent_connections_are_closed_and_others_served() {
    let store = Store::init();
    let server = start(&store, 1000, 1);
    let mut idle: Vec<TcpStream> = (0..50)
        .map(|_| TcpStream::connect(&server.addr).expect("connect"))
        .collect();
    let mut half = TcpStream::connect(&server.addr).expect("connect");
    half.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .expect("half a head");
    // Served while they wait.
    assert!(
        health(&server.addr).contains(" 200 "),
        "served beside idle ones"
    );
    let started = Instant::now();
    assert!(
        closed_by_server(&mut half, Duration::from_secs(15)),
        "a half-sent request head is closed"
    );
    for s in &mut idle {
        assert!(
            closed_by_server(s, Duration::from_secs(15)),
            "an idle connection is closed"
        );
    }
    // Closed by the timeout, not at once (1 s here; the default is 10 s).
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert!(health(&server.addr).contains(" 200 "), "served after");
}

#[test]
fn past_the_cap_a_client_is_told_at_once_and_the_server_recovers() {
    let store = Store::init();
    let server = start(&store, 8, 2);
    let held: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(&server.addr).expect("connect"))
        .collect();
    // Give the server time to accept the eight.
    std::thread::sleep(Duration::from_millis(300));
    let over = health(&server.addr);
    assert!(over.contains(" 503 "), "over the cap: {over:?}");
    drop(held);
    // The held ones are gone (closed by us): the next client is served.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = health(&server.addr);
        if status.contains(" 200 ") {
            break;
        }
        assert!(Instant::now() < deadline, "not served again: {status:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
