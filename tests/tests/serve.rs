//! `bonded serve` end to end: a real server on a random loopback port, driven over HTTP by a
//! small blocking client, with users made by `bonded user add` before it starts.
//!
//! Who may do what (401, 403), dual review (a clerk's domestic sale waits, changes no balance,
//! and takes effect when another user approves it; nobody approves their own), retries
//! recorded once, 16 concurrent clients × 500 lines landing gapless, 400 naming the line and
//! the field, 413, history, and the store's lock.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use bonded_tests::{book_kept, dec, json_dec, Store, Value, ACCOUNT};

/// A server process; killed when dropped.
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

impl Server {
    /// `bonded serve --listen 127.0.0.1:0`; the first line it prints says the port.
    fn start(store: &Store) -> Server {
        let mut cmd = store.command();
        cmd.arg("--data")
            .arg(store.data())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start bonded serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read the first line");
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        Server { child, addr }
    }

    /// Stops the server (the store is free again).
    fn stop(self) {
        drop(self);
    }

    fn request(&self, method: &str, path: &str, token: Option<&str>, body: Body) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let (content_type, bytes) = match body {
            Body::None => (None, Vec::new()),
            Body::Csv(s) => (Some("text/csv"), s.as_bytes().to_vec()),
            Body::Jsonl(s) => (Some("application/x-ndjson"), s.as_bytes().to_vec()),
            Body::Json(v) => (Some("application/json"), v.to_string().into_bytes()),
            Body::Typed(t, s) => (Some(t), s.into_bytes()),
        };
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            bytes.len()
        );
        if let Some(t) = content_type {
            head.push_str(&format!("Content-Type: {t}\r\n"));
        }
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send head");
        stream.write_all(&bytes).expect("send body");
        read_reply(stream)
    }

    fn get(&self, path: &str, token: &str) -> Reply {
        self.request("GET", path, Some(token), Body::None)
    }

    fn post(&self, path: &str, token: &str, body: Body) -> Reply {
        self.request("POST", path, Some(token), body)
    }

    fn movements(&self, token: &str, csv: &str) -> Reply {
        self.post(
            &format!("/books/{ACCOUNT}/movements"),
            token,
            Body::Csv(csv.to_string()),
        )
    }

    fn balance(&self, token: &str, item: u32, column: &str) -> rust_decimal::Decimal {
        let r = self.get(&format!("/books/{ACCOUNT}/balance?as_of=2025-12-31"), token);
        r.expect(200);
        let m = r.json["materials"]
            .as_array()
            .expect("materials")
            .iter()
            .find(|m| m["item"] == item.to_string().as_str())
            .cloned()
            .expect("the material");
        json_dec(&m[column])
    }

    fn event_count(&self) -> u64 {
        let r = self.request("GET", "/health", None, Body::None);
        r.expect(200);
        r.json["events"]
            .as_str()
            .expect("events")
            .parse()
            .expect("n")
    }
}

enum Body {
    None,
    Csv(String),
    Jsonl(String),
    Json(Value),
    Typed(&'static str, String),
}

#[derive(Debug)]
struct Reply {
    status: u16,
    json: Value,
    /// The body as text, when it is not JSON (an XML file).
    raw: String,
}

impl Reply {
    #[track_caller]
    fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "reply: {:#}", self.json);
        self
    }

    fn error(&self) -> String {
        self.json["error"].as_str().unwrap_or_default().to_string()
    }
}

fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the reply");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    if head
        .to_ascii_lowercase()
        .contains("content-type: application/xml")
    {
        let raw = String::from_utf8_lossy(&body).into_owned();
        return Reply {
            status,
            json: Value::Null,
            raw,
        };
    }
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)))
    };
    Reply {
        status,
        json,
        raw: String::new(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16)
            .expect("chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

/// The fixture book with five users; their tokens.
#[derive(Clone)]
struct Users {
    clerk: String,
    reviewer: String,
    reviewer2: String,
    auditor: String,
    admin: String,
}

fn add_user(store: &Store, name: &str, role: &str) -> String {
    let v = store.json(&["user", "add", "--name", name, "--role", role]);
    assert_eq!(v["name"], name);
    v["token"].as_str().expect("a token").to_string()
}

/// [`book`] with alice (clerk), bob and carol (reviewers), audrey (auditor) and root (admin);
/// made once per test process and copied for each test (a closed store is plain files).
fn setup() -> (Store, Users) {
    static TEMPLATE: std::sync::OnceLock<(Store, Users)> = std::sync::OnceLock::new();
    let (template, users) = TEMPLATE.get_or_init(|| {
        let store = book_kept();
        let users = Users {
            clerk: add_user(&store, "alice", "clerk"),
            reviewer: add_user(&store, "bob", "reviewer"),
            reviewer2: add_user(&store, "carol", "reviewer"),
            auditor: add_user(&store, "audrey", "auditor"),
            admin: add_user(&store, "root", "admin"),
        };
        (store, users)
    });
    let store = Store::new();
    copy_dir(template.dir(), store.dir());
    (store, users.clone())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

const HEADER: &str = "ref,line,date,account,mode,dir,goods,qty,item\n";

fn csv(lines: &[&str]) -> String {
    let mut s = HEADER.to_string();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// An import of `qty` of material 1 on 2025-01-10.
fn import(reference: &str, line: u32, qty: &str) -> String {
    format!("{reference},{line},2025-01-10,{ACCOUNT},0615,I,M,{qty},1")
}

/// A domestic sale of `qty` of material 1 on 2025-02-01.
fn sale(reference: &str, line: u32, qty: &str) -> String {
    format!("{reference},{line},2025-02-01,{ACCOUNT},0644,I,M,{qty},1")
}

#[test]
fn no_token_is_401_and_the_wrong_role_is_403() {
    let (store, u) = setup();
    let server = Server::start(&store);
    let path = format!("/books/{ACCOUNT}/balance");
    let r = server.request("GET", &path, None, Body::None);
    r.expect(401);
    assert!(r.error().contains("Authorization"), "{}", r.error());
    server
        .request("GET", &path, Some("not-a-token"), Body::None)
        .expect(401);
    // Every role reads.
    for t in [&u.clerk, &u.reviewer, &u.auditor, &u.admin] {
        server.get(&path, t).expect(200);
    }
    // An auditor writes nothing.
    let r = server.movements(&u.auditor, &csv(&[&import("A", 1, "1")]));
    r.expect(403);
    assert!(
        r.error()
            .contains("audrey is an auditor and may not record movements"),
        "{}",
        r.error()
    );
    // Only reviewers approve; only admins add users.
    let r = server.post(
        "/pending/00000000-0000-0000-0000-000000000000/approve",
        &u.clerk,
        Body::None,
    );
    r.expect(403);
    assert!(
        r.error().contains("takes the reviewer role"),
        "{}",
        r.error()
    );
    server
        .post(
            "/pending/00000000-0000-0000-0000-000000000000/approve",
            &u.admin,
            Body::None,
        )
        .expect(403);
    server
        .post(
            "/users",
            &u.clerk,
            Body::Json(serde_json::json!({"name": "eve", "role": "admin"})),
        )
        .expect(403);
    // An admin adds a user, whose token works at once.
    let r = server.post(
        "/users",
        &u.admin,
        Body::Json(serde_json::json!({"name": "dave", "role": "clerk"})),
    );
    r.expect(201);
    let token = r.json["token"].as_str().expect("token").to_string();
    server.get(&path, &token).expect(200);
    server
        .post(
            "/users",
            &u.admin,
            Body::Json(serde_json::json!({"name": "dave", "role": "clerk"})),
        )
        .expect(409);
    // An unknown review is 404.
    server
        .post(
            "/pending/00000000-0000-0000-0000-000000000000/approve",
            &u.reviewer,
            Body::None,
        )
        .expect(404);
}

#[test]
fn a_clerks_domestic_sale_waits_until_a_second_user_approves_it() {
    let (store, u) = setup();
    let server = Server::start(&store);
    let r = server.movements(
        &u.clerk,
        &csv(&[&import("QD-1", 1, "100"), &sale("QD-1", 2, "30")]),
    );
    r.expect(200);
    assert_eq!(r.json["events"], "2", "{:#}", r.json);
    let pending = r.json["pending"].as_array().expect("pending");
    assert_eq!(pending.len(), 1, "{:#}", r.json);
    assert_eq!(pending[0]["line"], "3");
    assert_eq!(pending[0]["class"], "domestic_sales");
    let id = pending[0]["id"].as_str().expect("id").to_string();
    // The import applied; the sale changes no balance yet.
    assert_eq!(server.balance(&u.auditor, 1, "imported"), dec("100"));
    assert_eq!(server.balance(&u.auditor, 1, "domestic_sold"), dec("0"));
    assert_eq!(server.balance(&u.auditor, 1, "balance"), dec("100"));
    let listed = server.get("/pending", &u.auditor);
    listed.expect(200);
    assert_eq!(listed.json["pending"][0]["id"], id.as_str());
    assert_eq!(listed.json["pending"][0]["submitted_by"], "alice");
    // The clerk cannot approve it; a reviewer (another user) can.
    server
        .post(&format!("/pending/{id}/approve"), &u.clerk, Body::None)
        .expect(403);
    let r = server.post(&format!("/pending/{id}/approve"), &u.reviewer, Body::None);
    r.expect(200);
    assert_eq!(
        r.json["kinds"],
        serde_json::json!(["review_approved", "movement_recorded"])
    );
    assert_eq!(server.balance(&u.auditor, 1, "domestic_sold"), dec("30"));
    assert_eq!(server.balance(&u.auditor, 1, "balance"), dec("70"));
    assert_eq!(
        server.get("/pending", &u.auditor).json["pending"],
        serde_json::json!([])
    );
    // Approved again: a repeat, nothing more; by someone else: closed.
    let again = server.post(&format!("/pending/{id}/approve"), &u.reviewer, Body::None);
    again.expect(200);
    assert_eq!(again.json["events"], "0");
    server
        .post(&format!("/pending/{id}/approve"), &u.reviewer2, Body::None)
        .expect(409);
    server.stop();
    // Every event names who acted: the clerk submitted, the reviewer approved and recorded.
    let actors: Vec<(String, String)> = store
        .export_lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|e| e["stream"] == ACCOUNT)
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                e["actor"].as_str().unwrap_or_default().to_string(),
            )
        })
        .filter(|(k, _)| k.starts_with("review") || k == "movement_recorded")
        .collect();
    let want: Vec<(String, String)> = [
        ("movement_recorded", "alice"),
        ("review_submitted", "alice"),
        ("review_approved", "bob"),
        ("movement_recorded", "bob"),
    ]
    .iter()
    .map(|(k, a)| (k.to_string(), a.to_string()))
    .collect();
    assert_eq!(actors, want);
}

#[test]
fn nobody_approves_their_own() {
    let (store, u) = setup();
    let server = Server::start(&store);
    server
        .movements(&u.clerk, &csv(&[&import("QD-1", 1, "100")]))
        .expect(200);
    // A reviewer records a destruction: it waits for review like anyone's.
    let r = server.movements(
        &u.reviewer,
        &csv(&[&format!("DX-1,1,2025-03-01,{ACCOUNT},0200,E,M,5,1")]),
    );
    r.expect(200);
    let id = r.json["pending"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(r.json["pending"][0]["class"], "destruction");
    let own = server.post(&format!("/pending/{id}/approve"), &u.reviewer, Body::None);
    own.expect(403);
    assert!(
        own.error().contains("nobody approves their own"),
        "{}",
        own.error()
    );
    assert_eq!(server.balance(&u.clerk, 1, "destroyed"), dec("0"));
    server
        .post(&format!("/pending/{id}/approve"), &u.reviewer2, Body::None)
        .expect(200);
    assert_eq!(server.balance(&u.clerk, 1, "destroyed"), dec("5"));
    // Rejecting: with a reason, by a reviewer.
    let r = server.movements(&u.clerk, &csv(&[&sale("QD-2", 1, "1")]));
    let id = r.json["pending"][0]["id"].as_str().expect("id").to_string();
    server
        .post(
            &format!("/pending/{id}/reject"),
            &u.reviewer,
            Body::Json(serde_json::json!({"reason": ""})),
        )
        .expect(400);
    let r = server.post(
        &format!("/pending/{id}/reject"),
        &u.reviewer,
        Body::Json(serde_json::json!({"reason": "not sold after all"})),
    );
    r.expect(200);
    assert_eq!(r.json["status"], "rejected");
    server
        .post(&format!("/pending/{id}/approve"), &u.reviewer2, Body::None)
        .expect(409);
}

#[test]
fn the_command_line_approves_with_a_reviewers_own_token_but_never_the_submitters() {
    let (store, u) = setup();
    let server = Server::start(&store);
    server
        .movements(&u.clerk, &csv(&[&import("QD-1", 1, "100")]))
        .expect(200);
    let r = server.movements(&u.reviewer, &csv(&[&sale("QD-1", 2, "10")]));
    let id = r.json["pending"][0]["id"].as_str().expect("id").to_string();
    // The server holds the store: a second writer is told who has it.
    store
        .run(&["pending"])
        .expect(1)
        .stderr_has("in use by `bonded serve` (process");
    server.stop();
    let listed = store.json(&["pending", "--account", ACCOUNT]);
    assert_eq!(listed["pending"][0]["id"], id.as_str());
    // The command line approves only with the reviewer's own token, never on a name's word.
    store
        .run(&["approve", &id, "--as", "carol"])
        .expect(2)
        .stderr_has("token");
    store
        .run(&["approve", &id, "--token", "not-a-token"])
        .expect(2)
        .stderr_has("no user of this store has that token");
    store
        .run(&["approve", &id, "--token", &u.reviewer2, "--as", "bob"])
        .expect(2)
        .stderr_has("does not match the token");
    store
        .run(&["approve", &id, "--token", &u.reviewer])
        .expect(3)
        .stderr_has("nobody approves their own");
    store
        .run(&["approve", &id, "--token", &u.clerk])
        .expect(3)
        .stderr_has("only a user with the reviewer role approves");
    store.run(&["approve", &id, "--token", &u.reviewer2]).ok();
    assert_eq!(
        store.balance("2025-12-31").material(1, "domestic_sold"),
        dec("10")
    );
    // The approval names carol; the envelope names who ran the command.
    let approved: Value = store
        .export_lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .find(|e| e["kind"] == "review_approved")
        .expect("an approval");
    assert_eq!(approved["payload"]["approved_by"], "carol");
    assert_eq!(approved["actor"], "tester");
    // `bonded load` acts as the administrator: a domestic sale applies directly.
    store.load_ok(&[("sale.csv", &csv(&[&sale("QD-9", 1, "1")]))]);
    assert_eq!(
        store.balance("2025-12-31").material(1, "domestic_sold"),
        dec("11")
    );
}

#[test]
fn an_answered_request_is_on_disk() {
    let (store, u) = setup();
    let server = Server::start(&store);
    server
        .movements(&u.clerk, &csv(&[&import("QD-1", 1, "100")]))
        .expect(200);
    // Killed at once (SIGKILL, no shutdown): what was answered is durable.
    server.stop();
    assert_eq!(
        store.balance("2025-12-31").material(1, "imported"),
        dec("100")
    );
    store.run(&["verify"]).ok();
}

#[test]
fn sigterm_stops_the_server_and_frees_the_store() {
    let (store, u) = setup();
    let mut server = Server::start(&store);
    server
        .movements(&u.clerk, &csv(&[&import("QD-1", 1, "7")]))
        .expect(200);
    let pid = server.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    assert_eq!(
        store.balance("2025-12-31").material(1, "imported"),
        dec("7")
    );
}

#[test]
fn a_stopped_server_saves_its_state_and_the_next_start_uses_it() {
    let (store, u) = setup();
    let mut server = Server::start(&store);
    server
        .movements(
            &u.clerk,
            &csv(&[&import("QD-1", 1, "7"), &import("QD-1", 2, "5")]),
        )
        .expect(200);
    let history = server.get(
        &format!("/books/{ACCOUNT}/history?item=1&goods=M"),
        &u.auditor,
    );
    let events = server.event_count();
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill")
        .success());
    assert!(server.child.wait().expect("wait").success());
    let snap = ledger_store::snapshot::read_snapshot(store.data())
        .expect("the snapshot reads")
        .expect("saved at the stop");
    assert_eq!(snap.header.seq, events);

    // Started again (saying what it did with the snapshot): from the saved state, with the
    // same figures and the same history.
    let mut cmd = store.command();
    cmd.arg("--data")
        .arg(store.data())
        .args(["--verbose", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(store.path("serve.err")).expect("stderr file"));
    let mut child = cmd.spawn().expect("start bonded serve");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read the first line");
    let addr = first
        .trim()
        .trim_start_matches("listening on http://")
        .to_string();
    let again = Server { child, addr };
    let said = std::fs::read_to_string(store.path("serve.err")).expect("stderr");
    assert!(
        said.contains(&format!(
            "snapshot at position {events} used; 0 events replayed"
        )),
        "{said}"
    );
    assert_eq!(again.event_count(), events);
    assert_eq!(again.balance(&u.clerk, 1, "imported"), dec("12"));
    let history_again = again.get(
        &format!("/books/{ACCOUNT}/history?item=1&goods=M"),
        &u.auditor,
    );
    assert_eq!(history_again.json, history.json);
}

#[test]
fn a_retried_request_is_recorded_once() {
    let (store, u) = setup();
    let server = Server::start(&store);
    let body = csv(&[
        &import("QD-1", 1, "100"),
        &import("QD-1", 2, "5"),
        &sale("QD-1", 3, "30"),
    ]);
    let first = server.movements(&u.clerk, &body);
    first.expect(200);
    assert_eq!(first.json["events"], "3");
    let before = server.event_count();
    let retry = server.movements(&u.clerk, &body);
    retry.expect(200);
    assert_eq!(retry.json["events"], "0");
    assert_eq!(server.event_count(), before);
    // The retry names the review its sale waits for: the same one.
    assert_eq!(retry.json["pending"], first.json["pending"]);
    assert_eq!(server.balance(&u.clerk, 1, "imported"), dec("105"));
    // The same ref+line with other content is refused, nothing of the request written.
    let other = server.movements(
        &u.clerk,
        &csv(&[&import("QD-2", 1, "1"), &import("QD-1", 2, "6")]),
    );
    other.expect(422);
    assert_eq!(other.json["lines"][0]["line"], "3");
    assert_eq!(other.json["lines"][0]["column"], "ref");
    assert_eq!(server.event_count(), before);
    // JSON lines: the same line is the same line.
    let jsonl = format!(
        "{{\"ref\":\"QD-1\",\"line\":1,\"date\":\"2025-01-10\",\"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"I\",\"goods\":\"M\",\"qty\":\"100\",\"item\":\"1\"}}\n"
    );
    let r = server.post(
        &format!("/books/{ACCOUNT}/movements"),
        &u.clerk,
        Body::Jsonl(jsonl),
    );
    r.expect(200);
    assert_eq!(r.json["events"], "0");
}

#[test]
fn sixteen_clients_of_500_lines_each_all_land_gapless() {
    const CLIENTS: usize = 16;
    const REQUESTS: usize = 10;
    const LINES: usize = 50;
    let (store, u) = setup();
    let server = Server::start(&store);
    let before = server.event_count();
    std::thread::scope(|scope| {
        for c in 0..CLIENTS {
            let (server, token) = (&server, &u.clerk);
            scope.spawn(move || {
                for r in 0..REQUESTS {
                    let mut body = String::new();
                    for l in 1..=LINES {
                        body.push_str(&format!(
                            "{{\"ref\":\"C{c}-R{r}\",\"line\":{l},\"date\":\"2025-03-01\",\"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"I\",\"goods\":\"M\",\"qty\":\"1\",\"item\":\"2\"}}\n"
                        ));
                    }
                    let reply = server.post(
                        &format!("/books/{ACCOUNT}/movements"),
                        token,
                        Body::Jsonl(body),
                    );
                    reply.expect(200);
                    assert_eq!(reply.json["events"], LINES.to_string().as_str());
                }
            });
        }
    });
    let total = CLIENTS * REQUESTS * LINES;
    assert_eq!(server.event_count(), before + total as u64);
    assert_eq!(
        server.balance(&u.auditor, 2, "imported"),
        dec(&total.to_string())
    );
    // Gapless and intact: `verify` walks every record (global and per-stream sequence numbers
    // gapless, the hash chain linked) and counts them.
    let verified = server.get("/verify", &u.auditor);
    verified.expect(200);
    assert_eq!(verified.json["ok"], true);
    assert_eq!(
        verified.json["events"],
        (before + total as u64).to_string().as_str()
    );
    assert_eq!(verified.json["head_seq"], verified.json["events"]);
    // Every line once: 8,000 new events, lines of 1 unit each, 8,000 units of material 2 (above).
    // The book's history pages through them.
    let history = server.get(
        &format!("/books/{ACCOUNT}/history?item=2&goods=M&limit=1000&after={before}"),
        &u.auditor,
    );
    assert_eq!(history.json["events"].as_array().map(Vec::len), Some(1000));
}

/// A CFR or CIF line's freight is left out of its customs value (its price holds it): the
/// line is recorded, and the answer names it in `notices`, as `bonded load` names it on stderr
/// — for a CSV body and for JSON lines alike. A request without such a line has none.
#[test]
fn a_cif_lines_freight_is_recorded_with_a_notice_naming_the_line() {
    let (store, u) = setup();
    let server = Server::start(&store);
    let body = format!(
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,incoterm,freight\n\
         FR-1,1,2025-03-03,{ACCOUNT},0615,I,M,1000,1,1.5,USD,FOB,10\n\
         FR-1,2,2025-03-03,{ACCOUNT},0615,I,M,1000,1,1.5,USD,CIF,80\n\
         FR-1,3,2025-03-03,{ACCOUNT},0615,I,M,1000,1,1.5,USD,CIF,0\n\
         FR-1,4,2025-03-03,{ACCOUNT},0615,I,M,1000,1,1.5,USD,CFR,20\n"
    );
    let r = server.movements(&u.clerk, &body);
    r.expect(200);
    assert_eq!(r.json["events"], "4", "{:#}", r.json);
    let notice = |line: &str| {
        serde_json::json!({
            "line": line,
            "column": "freight",
            "code": "freight_ignored",
            "message": "freight ignored: CFR/CIF prices include it",
        })
    };
    // CSV lines count from the header (line 1): FR-1 line 2 is the body's line 3.
    assert_eq!(
        r.json["notices"],
        serde_json::json!([notice("3"), notice("5")]),
        "{:#}",
        r.json
    );
    // JSON lines to /files, CIF by default when no incoterm is given.
    let jsonl = format!(
        "{{\"ref\":\"FR-2\",\"line\":\"1\",\"date\":\"2025-03-04\",\"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"I\",\"goods\":\"M\",\"qty\":\"5\",\"item\":\"1\",\"unit_price\":\"1.5\",\"currency\":\"USD\",\"incoterm\":\"FOB\",\"freight\":\"1\"}}\n\
         {{\"ref\":\"FR-2\",\"line\":\"2\",\"date\":\"2025-03-04\",\"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"I\",\"goods\":\"M\",\"qty\":\"5\",\"item\":\"1\",\"unit_price\":\"1.5\",\"currency\":\"USD\",\"freight\":\"3\"}}\n"
    );
    let r = server.post(
        &format!("/books/{ACCOUNT}/files?kind=movements"),
        &u.clerk,
        Body::Jsonl(jsonl),
    );
    r.expect(200);
    assert_eq!(r.json["events"], "2", "{:#}", r.json);
    assert_eq!(
        r.json["notices"],
        serde_json::json!([notice("2")]),
        "{:#}",
        r.json
    );
    // Nothing to say: an empty list.
    let r = server.movements(&u.clerk, &csv(&[&import("FR-3", 1, "1")]));
    r.expect(200);
    assert_eq!(r.json["notices"], serde_json::json!([]), "{:#}", r.json);
}

#[test]
fn a_bad_request_is_400_naming_the_line_and_field_and_writes_nothing() {
    let (store, u) = setup();
    let server = Server::start(&store);
    let before = server.event_count();
    let r = server.movements(
        &u.clerk,
        &csv(&[
            &import("QD-1", 1, "100"),
            &import("QD-1", 2, "12,5").replace("12,5", "\"12,5\""),
            &format!("QD-1,3,2025-02-30,{ACCOUNT},0615,I,M,1,1"),
        ]),
    );
    r.expect(400);
    let lines = r.json["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2, "{:#}", r.json);
    assert_eq!(lines[0]["line"], "3");
    assert_eq!(lines[0]["column"], "qty");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not a decimal"),
        "{:#}",
        r.json
    );
    assert_eq!(lines[1]["line"], "4");
    assert_eq!(lines[1]["column"], "date");
    assert!(
        r.error().contains("nothing of it was written"),
        "{}",
        r.error()
    );
    assert_eq!(server.event_count(), before);
    // JSON lines too: the line and the field.
    let r = server.post(
        &format!("/books/{ACCOUNT}/movements"),
        &u.clerk,
        Body::Jsonl(format!(
            "{{\"ref\":\"J\",\"line\":1,\"date\":\"2025-01-10\",\"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"I\",\"goods\":\"M\",\"qty\":\"1\",\"item\":\"1\"}}\n{{\"ref\":\"J\",\"line\":2,\"date\":\"2025-01-10\",\"account\":\"{ACCOUNT}\",\"mode\":\"0615\",\"dir\":\"X\",\"goods\":\"M\",\"qty\":2.5,\"item\":\"1\"}}\n"
        )),
    );
    r.expect(400);
    let cols: Vec<(&str, &str)> = r.json["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["line"].as_str().unwrap_or(""),
                l["column"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(cols, vec![("2", "qty"), ("2", "dir")], "{:#}", r.json);
    // A customs rule: 422, with the line and the column.
    let r = server.movements(
        &u.clerk,
        &csv(&[&format!("EX-1,1,2025-03-01,{ACCOUNT},0664,E,M,5,1")]),
    );
    r.expect(422);
    assert_eq!(r.json["lines"][0]["line"], "2");
    assert_eq!(r.json["lines"][0]["column"], "qty");
    assert!(r.json["lines"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("would go negative"));
    // Another book's line in this book's request.
    let r = server.movements(
        &u.clerk,
        &csv(&["Z,1,2025-01-10,E44038000099,0615,I,M,1,1"]),
    );
    r.expect(400);
    assert_eq!(r.json["lines"][0]["column"], "account");
    // An unknown book is 404; a body that is neither CSV nor JSON is 415.
    server
        .movements(
            &u.clerk,
            &csv(&[&import("QD-1", 1, "1")]).replace(ACCOUNT, "E44038000099"),
        )
        .expect(400);
    server
        .post(
            "/books/E44038000099/movements",
            &u.clerk,
            Body::Csv(csv(&["Z,1,2025-01-10,E44038000099,0615,I,M,1,1"])),
        )
        .expect(404);
    let r = server.post(
        &format!("/books/{ACCOUNT}/movements"),
        &u.clerk,
        Body::Typed("application/xml", "<movements/>".into()),
    );
    r.expect(415);
    assert!(r.error().contains("text/csv"), "{}", r.error());
    assert_eq!(server.event_count(), before);
}

#[test]
fn past_the_limits_is_413() {
    let (store, u) = setup();
    let server = Server::start(&store);
    // Over 8 MiB: the declared length is enough to refuse it, before any of it is sent.
    let mut stream = TcpStream::connect(&server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST /books/{ACCOUNT}/movements HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/csv\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
        u.clerk,
        9 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).expect("send");
    let r = read_reply(stream);
    r.expect(413);
    assert!(r.error().contains("over 8 MiB"), "{}", r.error());
    // Over 20,000 lines.
    let body = "{}\n".repeat(20_001);
    let r = server.post(
        &format!("/books/{ACCOUNT}/movements"),
        &u.clerk,
        Body::Jsonl(body),
    );
    r.expect(413);
    assert!(r.error().contains("at most 20000"), "{}", r.error());
}

#[test]
fn history_says_who_did_what_and_when() {
    let (store, u) = setup();
    let server = Server::start(&store);
    server
        .movements(
            &u.clerk,
            &csv(&[&import("QD-1", 1, "100"), &sale("QD-1", 2, "30")]),
        )
        .expect(200);
    let pending = server.get("/pending", &u.reviewer);
    let id = pending.json["pending"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    server
        .post(&format!("/pending/{id}/approve"), &u.reviewer, Body::None)
        .expect(200);
    let r = server.get(
        &format!("/books/{ACCOUNT}/history?item=1&goods=M"),
        &u.auditor,
    );
    r.expect(200);
    let events = r.json["events"].as_array().expect("events");
    let who: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or(""),
                e["actor"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        who,
        vec![
            ("item_registered", "tester"),
            ("unit_consumption_declared", "tester"),
            ("movement_recorded", "alice"),
            ("review_submitted", "alice"),
            ("movement_recorded", "bob"),
        ]
    );
    assert!(events
        .iter()
        .all(|e| e["recorded_at"].as_str().is_some_and(|t| t.ends_with('Z'))));
    // Pages: two at a time, then the rest after the last shown.
    let page = server.get(
        &format!("/books/{ACCOUNT}/history?item=1&goods=M&limit=2"),
        &u.auditor,
    );
    assert_eq!(page.json["events"].as_array().map(Vec::len), Some(2));
    let after = page.json["next_after"].as_str().expect("next").to_string();
    let rest = server.get(
        &format!("/books/{ACCOUNT}/history?item=1&goods=M&after={after}"),
        &u.auditor,
    );
    assert_eq!(rest.json["events"].as_array().map(Vec::len), Some(3));
    assert_eq!(rest.json["next_after"], Value::Null);
    // The whole book's history holds the approval too.
    let all = server.get(&format!("/books/{ACCOUNT}/history"), &u.auditor);
    assert!(all.json["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["kind"] == "review_approved" && e["event"]["approved_by"] == "bob"));
    server
        .get("/books/E44038000099/history", &u.auditor)
        .expect(404);
    server
        .get(&format!("/books/{ACCOUNT}/history?limit=0"), &u.auditor)
        .expect(400);
}

/// The customs receipts of the core's message tests (book E44038000001, list IMP20260042).
fn receipt(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ledger-core/src/messages/testdata")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn lists_are_exported_receipts_recorded_and_the_book_reconciled_over_http() {
    let (store, users) = setup();
    store
        .run(&[
            "account",
            "set",
            "--account",
            ACCOUNT,
            "sccd=91441900MA4W0B0X1A",
            "company_name=东莞示例电子有限公司",
            "customs_office=5204",
            "port=5301",
            "transport=4",
            "country=110",
        ])
        .ok();
    let server = Server::start(&store);
    let books = format!("/books/{ACCOUNT}");
    server
        .movements(
            &users.clerk,
            "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
             IMP20260042,1,2025-03-16,E44038000001,0615,I,M,100,1,1.5,USD\n\
             IMP20260042,2,2025-03-16,E44038000001,0615,I,M,500,2,0.1,USD\n",
        )
        .expect(200);
    let lists = server.get(&format!("{books}/lists"), &users.auditor);
    lists.expect(200);
    assert_eq!(lists.json["lists"][0]["status"], "recorded");
    assert!(lists.json["log"]["position"].is_string());

    // The items have no origin yet: the export names the element and where to set it.
    let export = format!("{books}/lists/IMP20260042/export");
    let missing = server.post(&export, &users.clerk, Body::None);
    missing.expect(400);
    assert!(missing.error().contains("Natcd"), "{}", missing.error());
    server
        .post(
            &format!("{books}/files"),
            &users.clerk,
            Body::Csv(
                "account,goods,item,hs,name,unit,spec,parts,origin\n\
                 E44038000001,M,1,8542310000,Chip A,个,集成电路|A型,PA-1|PA-2,116\n\
                 E44038000001,M,2,8532240000,Capacitor,个,电容器|贴片,CAP-2,132\n"
                    .into(),
            ),
        )
        .expect(200);
    server.post(&export, &users.auditor, Body::None).expect(403);
    let file = server.post(&export, &users.clerk, Body::None);
    file.expect(200);
    assert!(
        file.raw
            .contains("<EtpsInnerInvtNo>IMP20260042</EtpsInnerInvtNo>"),
        "{}",
        file.raw
    );
    let exported = server.get(&format!("{books}/lists?status=exported"), &users.auditor);
    exported.expect(200);
    assert_eq!(exported.json["lists"].as_array().map(Vec::len), Some(1));
    server
        .get(&format!("{books}/lists?status=nonsense"), &users.auditor)
        .expect(400);

    // A receipt: recorded once, by a user who records; not by an auditor; XML only.
    let messages = format!("{books}/messages");
    let returned = receipt("inv201_3_returned.xml");
    server
        .post(
            &messages,
            &users.auditor,
            Body::Typed("application/xml", returned.clone()),
        )
        .expect(403);
    server
        .post(&messages, &users.clerk, Body::Csv(returned.clone()))
        .expect(415);
    let first = server.post(
        &messages,
        &users.reviewer,
        Body::Typed("application/xml", returned.clone()),
    );
    first.expect(200);
    assert_eq!(first.json["status"], "returned");
    assert_eq!(first.json["already_recorded"], false);
    let again = server.post(
        &messages,
        &users.admin,
        Body::Typed("text/xml", returned.clone()),
    );
    again.expect(200);
    assert_eq!(again.json["already_recorded"], true);
    assert_eq!(again.json["events"], "0");
    let before = server.event_count();
    let other = returned.replace("E44038000001", "E44038000009");
    let refused = server.post(
        &messages,
        &users.clerk,
        Body::Typed("application/xml", other),
    );
    assert!(
        refused.status == 400 || refused.status == 404,
        "{refused:?}"
    );
    assert_eq!(server.event_count(), before);

    let r = server.get(
        &format!("{books}/reconcile?as_of=2025-03-20"),
        &users.auditor,
    );
    r.expect(200);
    let kinds: Vec<&str> = r.json["differences"]
        .as_array()
        .map(|d| d.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"returned_but_counted"), "{:#}", r.json);
    server
        .get(&format!("{books}/reconcile?as_of=someday"), &users.auditor)
        .expect(400);
    server.stop();
}
